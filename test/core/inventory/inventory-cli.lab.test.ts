// `drover inventory` as a user runs it, against `ansible-inventory` run the same way: --playbook-dir, and numbers
// printed as Python prints them (8.0 stays 8.0, ints past 2^53 keep their digits). Needs ansible-core (hence .lab).
import test from 'ava';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BIN } from '../../support/cli.ts';

const run = promisify(execFile);
const DIR = fileURLToPath(new URL('../../fixtures/inventory/differential/', import.meta.url));
const ENV = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_CONFIG: join(DIR, 'ansible.cfg') };

/**
 * JSON text read with each number kept as its kind: an int by its digits, a float by its value, so `8.0`
 * and `8` differ (JSON.parse reads both as 8) and 12345678901234567890 is not rounded. Keys sorted.
 */
function numbersAsWritten(text: string): unknown {
  const tagged = text.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (m) =>
    m[0] === '"' ? m : JSON.stringify(/[.eE]/.test(m) ? { float: Number(m) } : { int: m }),
  );
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  return sorted(JSON.parse(tagged));
}

/** `drover ARGS` from the fixtures directory (its output is pretty JSON, not --json event lines). */
async function drover(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { cwd: DIR, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, ...r };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, stdout: x.stdout ?? '', stderr: x.stderr ?? String(e) };
  }
}

async function ansibleInventory(args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('ansible-inventory', args, { env: ENV, cwd: DIR });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('ansible-inventory is not installed (apt-get install ansible-core; .ci/run does)');
    throw e;
  }
}

const INVENTORY = 'site/inventories/prod/hosts';

for (const [label, extra] of [
  ['--list', ['--list']],
  ['--host w1', ['--host', 'w1']],
  ['--host d1', ['--host', 'd1']],
] as const) {
  test(`drover inventory --playbook-dir DIR ${label} prints what ansible-inventory prints, numbers included`, async (t) => {
    // Relative paths, from the fixtures directory: both resolve --playbook-dir against the current directory.
    const args = ['-i', INVENTORY, '--playbook-dir', 'site/playbooks', ...extra];
    const [ours, theirs] = await Promise.all([drover(['inventory', ...args]), ansibleInventory(args)]);
    t.is(ours.code, 0, ours.stderr);
    t.deepEqual(numbersAsWritten(ours.stdout), numbersAsWritten(theirs.stdout));
    t.regex(ours.stdout, /"scientific": 1000\.0,?\n/, 'a whole float prints as ansible-inventory prints it');
  });
}

test('drover inventory --playbook-dir that is not a directory: a warning, as ansible-inventory gives, and the same vars', async (t) => {
  const args = ['-i', INVENTORY, '--playbook-dir', 'site/no-such-dir', '--host', 'w1'];
  const [ours, theirs] = await Promise.all([drover(['inventory', ...args]), ansibleInventory(args)]);
  t.is(ours.code, 0, ours.stderr);
  t.regex(ours.stderr, /warning: --playbook-dir .*site\/no-such-dir is not a directory/);
  t.regex(theirs.stderr, /no-such-dir'\s+is\s+not\s+a\s+directory/);
  t.deepEqual(numbersAsWritten(ours.stdout), numbersAsWritten(theirs.stdout));
  t.false(ours.stdout.includes('playbook-host_vars'), 'nothing from site/playbooks');
});
