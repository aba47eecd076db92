// Ctrl-C through the CLI on local hosts: the first lets a rolling batch's turn finish and a `finally` cleanup run, then stops; the JSON recap lists the hosts not started.
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Runs `playbook` on local hosts h1..hN, presses Ctrl-C once `trigger` exists in the run's dir. */
async function interrupt(playbook: string, hosts: number, trigger: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-introll-'));
  const inv = path.join(dir, 'hosts.ini');
  writeFileSync(inv, Array.from({ length: hosts }, (_, i) => `h${i + 1} ansible_connection=local\n`).join(''));
  const child = spawn(
    process.execPath,
    [path.resolve('core/cli/bin.js'), 'run', playbook, '-i', inv, '-e', `dir=${dir}`, '--no-typecheck', '--json'],
    { env: { ...process.env, NO_COLOR: '1' } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  for (let i = 0; i < 1200 && !existsSync(path.join(dir, trigger)); i++) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGINT');
  const [code] = await once(child, 'exit');
  const events = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);
  return { code: code as number, dir, stdout, stderr, events, has: (f: string) => existsSync(path.join(dir, f)) };
}

test('first Ctrl-C in a rolling turn: the turn runs to its end, no other host starts, the JSON recap lists them', async (t) => {
  const r = await interrupt('test/fixtures/runner/roll-turn.ts', 3, 'h1-drained');
  t.is(r.code, 130, r.stderr);
  t.true(r.has('h1-undrained'), 'the turn in flight finished (it used to stop drained)');
  t.false(r.has('h2-drained'), 'no new batch');
  const recap = r.events.find((e) => e.kind === 'recap');
  t.true(recap?.interrupted);
  t.deepEqual(recap?.notStarted, ['h2', 'h3']);
});

test('first Ctrl-C: a `finally` cleanup after the command in flight runs its module calls', async (t) => {
  const r = await interrupt('test/fixtures/runner/roll-cleanup.ts', 1, 'guarded-started');
  t.is(r.code, 130, r.stderr);
  t.true(r.has('guarded-cleanup'), `the cleanup ran (it used to be refused): ${r.stdout}`);
  const ends = r.events.filter((e) => e.kind === 'module-end').map((e) => e.status);
  t.deepEqual(
    ends,
    ['changed', 'changed'],
    'the call in flight finished and counts (Interrupted comes after its module-end), the cleanup changed',
  );
});
