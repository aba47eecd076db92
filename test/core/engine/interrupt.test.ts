// Ctrl-C: no new work starts, the command in flight finishes, the recap prints, exit 130.
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

test('SIGINT lets the command in flight finish, starts nothing new, prints the recap and exits 130', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-int-'));
  const child = spawn(
    process.execPath,
    [
      path.resolve('core/cli/bin.js'),
      'run',
      'test/fixtures/runner/slow.ts',
      '-i',
      'localhost,',
      '-e',
      `dir=${dir}`,
      '--no-typecheck',
    ],
    {
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  // Wait until the slow command is running on the host, then press Ctrl-C.
  // (The type check is skipped: a cold one takes ~30 s on a loaded machine and is not what this tests.)
  for (let i = 0; i < 1200 && !existsSync(path.join(dir, 'started')); i++) await new Promise((r) => setTimeout(r, 50));
  t.true(existsSync(path.join(dir, 'started')), stdout + stderr);
  child.kill('SIGINT');
  const [code] = await once(child, 'exit');
  t.is(code, 130, stdout + stderr);
  t.true(existsSync(path.join(dir, 'finished')), 'the command in flight ran to its end');
  t.false(existsSync(path.join(dir, 'next-command')), 'no new command started');
  t.false(existsSync(path.join(dir, 'second-phase')), 'no new phase started');
  t.regex(stdout, /RECAP.*\(interrupted\)/);
  t.regex(stdout, /^localhost : ok=\d+ changed=\d+/m);
});
