// Ctrl-C while a module's job outlasts the grace (issue 24): one Ctrl-C, exit 130, the host's recap line and the JSON say what still runs where; the job finishes on the host.
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GRACE_VAR, interruptGraceMs } from '../../../core/engine/interrupt.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `drover run` of the fixture on localhost with a 300 ms grace; one SIGINT once the job started. */
async function interruptedRun(extra: string[]) {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-int-job-'));
  const child = spawn(
    process.execPath,
    [
      path.resolve('core/cli/bin.js'),
      'run',
      'test/fixtures/runner/slow-job.ts',
      '-i',
      'localhost,',
      '-e',
      `dir=${dir}`,
      '--no-typecheck',
      ...extra,
    ],
    { env: { ...process.env, NO_COLOR: '1', DROVER_INTERRUPT_GRACE_MS: '300' } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  for (let i = 0; i < 1200 && !existsSync(path.join(dir, 'started')); i++) await sleep(50);
  const started = existsSync(path.join(dir, 'started'));
  // Past the job's first second: the host has said its pid (a quicker Ctrl-C names the pid file instead).
  await sleep(1300);
  const pressed = Date.now();
  child.kill('SIGINT');
  const [code] = await once(child, 'exit');
  return { dir, code, started, stdout, stderr, ms: Date.now() - pressed };
}

test('one Ctrl-C: the job is left running past the grace, the recap line names it, exit 130; it finishes on the host', async (t) => {
  const r = await interruptedRun([]);
  const all = r.stdout + r.stderr;
  t.true(r.started, all);
  t.is(r.code, 130, all);
  t.true(r.ms < 2000, `exited without waiting for the job (${r.ms} ms)`);
  t.false(existsSync(path.join(r.dir, 'finished')), 'drover did not wait for the job');
  t.regex(
    r.stdout,
    /^localhost : ok=0 changed=0 unreachable=0 failed=0 skipped=0 interrupted: command: touch \S+\/started; sleep 3; touch \S+ still running \(pid \d+, output in \/\S+\/\.drover\/jobs\/[0-9a-f]{32}\/o\); a rerun re-attaches$/m,
  );
  t.regex(r.stdout, /stopped waiting: touch .* is still running on localhost \(pid \d+, output in /);
  for (let i = 0; i < 80 && !existsSync(path.join(r.dir, 'finished')); i++) await sleep(50);
  t.true(existsSync(path.join(r.dir, 'finished')), 'the job ran to its end on the host');
  t.false(existsSync(path.join(r.dir, 'next-command')), 'nothing new started');
});

test('--json: the recap event carries what still runs where, per host', async (t) => {
  const r = await interruptedRun(['--json']);
  t.is(r.code, 130, r.stdout + r.stderr);
  const recap = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .find((e) => e.kind === 'recap');
  t.true(recap?.interrupted);
  t.is(recap?.stillRunning?.localhost?.length, 1, JSON.stringify(recap));
  t.regex(
    recap.stillRunning.localhost[0],
    /^command: touch \S+; sleep 3; touch \S+ still running \(pid \d+, output in \/\S+\/o\)/,
  );
  for (let i = 0; i < 80 && !existsSync(path.join(r.dir, 'finished')); i++) await sleep(50);
});

test('the grace knob: default 5 s, whole milliseconds, a bad value named', (t) => {
  t.is(interruptGraceMs({}), 5000);
  t.is(interruptGraceMs({ [GRACE_VAR]: '0' }), 0);
  t.is(interruptGraceMs({ [GRACE_VAR]: ' 1500 ' }), 1500);
  for (const bad of ['5s', '-1', '1.5', 'soon'])
    t.throws(() => interruptGraceMs({ [GRACE_VAR]: bad }), {
      message: new RegExp(
        `^DROVER_INTERRUPT_GRACE_MS=${JSON.stringify(bad).replace(/[.]/g, '\\.')}: expected whole milliseconds`,
      ),
    });
});
