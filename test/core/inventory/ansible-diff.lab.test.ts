// Differential test: drover's inventory reading and host patterns against ansible-core itself, on the
// table in test/fixtures/inventory/differential/cases.json. Any difference fails unless
// deliberate.json lists it with its reason (docs/inventory.md, "Deliberate differences"); a listed
// difference that no longer occurs fails too, so the list stays true.
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hostJson, inventoryJson } from '../../../core/inventory/describe.ts';
import { parseExtraVars } from '../../../core/inventory/extra-vars.ts';
import { loadInventory } from '../../../core/inventory/index.ts';
import type { Inventory } from '../../../core/inventory/model.ts';
import { selectHostsReport } from '../../../core/inventory/patterns.ts';
import { IntegralFloat, pyFloatRepr } from '../../../core/inventory/py-float.ts';
import type { VaultPassword } from '../../../core/inventory/vault.ts';
import { isSecret, Secret } from '../../../core/secret.ts';
import { ansiblePython } from './ansible-python.ts';

const run = promisify(execFile);
const DIR = fileURLToPath(new URL('../../fixtures/inventory/differential/', import.meta.url));
// ansible-core's defaults, whatever ~/.ansible.cfg or ./ansible.cfg say.
const ENV = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_CONFIG: join(DIR, 'ansible.cfg') };

interface Case {
  inventory: string;
  hosts: string[];
  patterns: [string, string | null][];
  /** The playbook's directory (its group_vars/ and host_vars/ count, as for ansible-playbook). */
  playbookDir?: string;
  /** Vault passwords as --vault-id takes them, ID@FILE (FILE relative to the fixtures). */
  vaultIds?: string[];
  /** Extra vars, a JSON object as `-e` takes it (both sides: -e for the commands, drover's parseExtraVars). */
  extraVars?: string;
  /** HOST → vars whose templated value must equal `ansible HOST -m debug -a var=NAME`. */
  templated?: Record<string, string[]>;
}
interface Deliberate {
  inventory: string;
  /** 'load', 'list', 'host PATTERN', 'pattern PATTERN [--limit LIMIT]' or 'template HOST VAR'. */
  check: string;
  reason: string;
}
type Outcome = { json: unknown } | { error: string };
interface OraclePattern {
  hosts?: string[];
  error?: string;
  warnings: string[];
}
interface OracleCase {
  list: Outcome & { warnings: string[] };
  host: Record<string, Outcome & { warnings: string[] }>;
  patterns: OraclePattern[];
  templated: Record<string, Record<string, Outcome>>;
}

const cases = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as Case[];
const deliberate = JSON.parse(readFileSync(join(DIR, 'deliberate.json'), 'utf8')) as Deliberate[];

/** What Ansible says, for a slice of the cases, from one Python process (see oracle.py). */
async function oracle(slice: Case[]): Promise<OracleCase[]> {
  const python = ansiblePython();
  const input = JSON.stringify(
    slice.map((c) => ({
      ...c,
      inventory: join(DIR, c.inventory),
      playbookDir: c.playbookDir && join(DIR, c.playbookDir),
      vaultIds: c.vaultIds?.map(absoluteVaultId),
    })),
  );
  // cwd DIR: a --limit @file is found where drover finds it (selectHostsReport's cwd).
  const child = execFile(python, [join(DIR, 'oracle.py')], { env: ENV, cwd: DIR, maxBuffer: 64 << 20 });
  child.stdin!.end(input);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const code = await new Promise<number>((res, rej) => {
    child.on('error', (e) => rej(new Error(`cannot start ${python} for oracle.py: ${e.message}`)));
    child.on('close', (c) => res(c ?? -1));
  });
  if (code !== 0) throw new Error(`oracle.py (${python}) exited ${code}: ${err.slice(-2000)}`);
  return JSON.parse(out) as OracleCase[];
}

// Two Python processes (the machine has two cores), each importing ansible once.
const half = Math.ceil(cases.length / 2);
let answers: Promise<OracleCase[]> | undefined;
const ansible = () =>
  (answers ??= Promise.all([oracle(cases.slice(0, half)), oracle(cases.slice(half))]).then(([a, b]) => [...a, ...b]));

/** ID@FILE with FILE made absolute (the fixtures directory). */
const absoluteVaultId = (id: string) => `${id.slice(0, id.indexOf('@'))}@${join(DIR, id.slice(id.indexOf('@') + 1))}`;

/** The keyring drover gets for a case: the same passwords, with the same vault ids. */
const keyringOf = (c: Case): VaultPassword[] =>
  (c.vaultIds ?? []).map((id) => {
    const [label, file] = absoluteVaultId(id).split('@');
    return { id: label, password: new Secret(readFileSync(file, 'utf8').trim()), source: file };
  });

/** A value with its Secrets revealed: the templated values are compared with what Ansible's debug shows. */
function revealed(value: unknown): unknown {
  if (isSecret(value)) return value.reveal();
  if (Array.isArray(value)) return value.map(revealed);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value))
      Object.defineProperty(out, k, { value: revealed((value as Record<string, unknown>)[k]), enumerable: true });
    return out;
  }
  return value;
}

/**
 * Infinity and NaN, ints past 2^53 and whole floats (8.0, which JSON.parse reads as 8), as oracle.py writes
 * them; Secrets as *** (drover's output).
 */
function plain(value: unknown): unknown {
  if (value instanceof IntegralFloat) return { $float: pyFloatRepr(value.value) };
  if (typeof value === 'number' && !Number.isFinite(value))
    return { $float: Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf' };
  if (typeof value === 'bigint') return { $int: String(value) };
  if (isSecret(value)) return '***';
  // What ansible-inventory prints for a !vault value (oracle.py does the same).
  if (value && typeof value === 'object' && Object.keys(value).join() === '__ansible_vault') return '***';
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value))
      Object.defineProperty(out, k, { value: plain((value as Record<string, unknown>)[k]), enumerable: true });
    return out;
  }
  return value;
}

const attempt = <T>(f: () => T): { value: T } | { error: string } => {
  try {
    return { value: f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

/** Host names Ansible warned about ("Could not match supplied host pattern, ignoring: X"). */
const unmatchedOf = (warnings: string[]) =>
  warnings.flatMap((w) => /^Could not match supplied host pattern, ignoring: (.*)$/.exec(w)?.[1] ?? []);

const label = (p: string, limit: string | null) => `pattern ${p}${limit === null ? '' : ` --limit ${limit}`}`;

for (const [i, c] of cases.entries()) {
  test(`drover reads ${c.inventory} as ansible-core does`, async (t) => {
    const theirs = (await ansible())[i];
    const differences = new Map<string, string>();
    const compare = (check: string, ours: unknown, ansibles: unknown) => {
      const a = JSON.stringify(ours);
      const b = JSON.stringify(ansibles);
      if (a !== b) differences.set(check, `drover: ${a}\n    ansible: ${b}`);
    };
    let inv: Inventory | undefined;
    try {
      inv = await loadInventory(join(DIR, c.inventory), {
        playbookDir: c.playbookDir && join(DIR, c.playbookDir),
        extraVars: c.extraVars === undefined ? undefined : parseExtraVars([c.extraVars]),
        vault: keyringOf(c),
        warn: () => {},
      });
    } catch (e) {
      differences.set('load', `drover refuses it: ${(e as Error).message}`);
    }
    if (inv) {
      // Key order inside objects is not compared (JSON objects are unordered); list order is.
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
      const list = 'json' in theirs.list ? sorted(theirs.list.json) : { error: theirs.list.error };
      compare('list', sorted(plain(inventoryJson(inv))), list);
      for (const h of c.hosts) {
        const o = theirs.host[h];
        const ours = attempt(() => sorted(plain(hostJson(inv!, h))));
        compare(`host ${h}`, 'value' in ours ? ours.value : 'error', 'json' in o ? sorted(o.json) : 'error');
      }
      for (const [j, [p, limit]] of c.patterns.entries()) {
        const o = theirs.patterns[j];
        const ours = attempt(() => selectHostsReport(inv!, p, limit ?? undefined, { cwd: DIR }));
        const mine =
          'value' in ours
            ? { hosts: ours.value.hosts.map((h) => h.name), unmatched: ours.value.unmatched }
            : { error: true };
        const their = o.error === undefined ? { hosts: o.hosts, unmatched: unmatchedOf(o.warnings) } : { error: true };
        compare(label(p, limit), mine, their);
      }
      for (const [host, names] of Object.entries(c.templated ?? {})) {
        const h = inv.hosts.find((x) => x.name === host);
        for (const name of names) {
          const o = theirs.templated[host][name];
          const ours = attempt(() => sorted(plain(revealed(h!.vars[name]))));
          compare(
            `template ${host} ${name}`,
            'value' in ours ? ours.value : 'error',
            'json' in o ? sorted(o.json) : 'error',
          );
        }
      }
    }
    const known = deliberate.filter((d) => d.inventory === c.inventory);
    const unexplained = [...differences].filter(([check]) => !known.some((d) => d.check === check));
    const stale = known.filter((d) => !differences.has(d.check));
    t.deepEqual(
      unexplained.map(([check, what]) => `${check}\n    ${what}`),
      [],
      'differences from ansible-core not listed in test/fixtures/inventory/differential/deliberate.json',
    );
    t.deepEqual(
      stale.map((d) => d.check),
      [],
      'deliberate.json lists differences that no longer occur: remove them (and from docs/inventory.md)',
    );
  });
}

test('every deliberate difference has a reason and names a case in the table', (t) => {
  for (const d of deliberate) {
    t.true(d.reason.length > 20, `reason for ${d.inventory} ${d.check}`);
    t.true(
      cases.some((c) => c.inventory === d.inventory),
      `${d.inventory} is in cases.json`,
    );
  }
});

// oracle.py calls the code behind the commands; this checks it against the commands themselves once.
test('oracle.py answers as the ansible-inventory and ansible commands do', async (t) => {
  const i = cases.findIndex((c) => c.inventory === 'subscripts/hosts.ini');
  const inv = join(DIR, cases[i].inventory);
  const theirs = (await ansible())[i];
  const [list, hosts] = await Promise.all([
    run('ansible-inventory', ['-i', inv, '--list'], { env: ENV }),
    run('ansible', ['-i', inv, 'p[1:]:q[2]', '--list-hosts'], { env: ENV }),
  ]);
  t.deepEqual(JSON.parse(list.stdout), (theirs.list as { json: unknown }).json);
  const listed = hosts.stdout
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean);
  const j = cases[i].patterns.findIndex(([p]) => p === 'p[1:]');
  const k = cases[i].patterns.findIndex(([p]) => p === 'q[2]');
  t.deepEqual(listed, [...new Set([...theirs.patterns[j].hosts!, ...theirs.patterns[k].hosts!])]);
});

// The same for --playbook-dir, --vault-id and templated values (`ansible HOST -m debug -a var=NAME`, local connection).
test('oracle.py answers as ansible-inventory --playbook-dir --vault-id and ansible -m debug do', async (t) => {
  const i = cases.findIndex((c) => c.inventory === 'trellis/hosts/production');
  const c = cases[i];
  const theirs = (await ansible())[i];
  const common = ['-i', join(DIR, c.inventory), '--playbook-dir', join(DIR, c.playbookDir!)];
  for (const id of c.vaultIds!) common.push('--vault-id', absoluteVaultId(id));
  const host = 'web1.example.com';
  const [inv, debug] = await Promise.all([
    run('ansible-inventory', [...common, '--host', host], { env: ENV, cwd: DIR }),
    run('ansible', [...common, host, '-c', 'local', '-m', 'debug', '-a', 'var=db_url'], { env: ENV, cwd: DIR }),
  ]);
  t.deepEqual(plain(JSON.parse(inv.stdout)), (theirs.host[host] as { json: unknown }).json);
  const shown = JSON.parse(debug.stdout.slice(debug.stdout.indexOf('{'))) as Record<string, unknown>;
  t.is(shown.db_url, 'mysql://root:prod-root-pw@localhost/production');
  t.deepEqual(shown.db_url, (theirs.templated[host].db_url as { json: unknown }).json);
});

// The same for -e: oracle.py gives the VariableManager the extra vars itself; the command reads them from -e.
test('oracle.py answers as ansible -e JSON -m debug does', async (t) => {
  const i = cases.findIndex((c) => c.extraVars !== undefined);
  const c = cases[i];
  const theirs = (await ansible())[i];
  const args = ['-i', join(DIR, c.inventory), '--playbook-dir', join(DIR, c.playbookDir!), '-e', c.extraVars!];
  const debug = await run('ansible', [...args, 'w1', '-c', 'local', '-m', 'debug', '-a', 'var=url'], {
    env: ENV,
    cwd: DIR,
  });
  const shown = JSON.parse(debug.stdout.slice(debug.stdout.indexOf('{'))) as Record<string, unknown>;
  t.is(shown.url, 'http://w1:6060/v10.0');
  t.deepEqual(shown.url, (theirs.templated.w1.url as { json: unknown }).json);
});
