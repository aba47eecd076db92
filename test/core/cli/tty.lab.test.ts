// drover on a real terminal (a tmux pane), run on this machine as localhost: what a person sees, and Ctrl-C.
// The lab tests (test/lab/tty.test.ts) do the same across several SSH hosts.
import test from 'ava';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, REPO } from '../../support/cli.ts';
import { hasTmux, startPty, TERMINAL_ENV } from '../../support/pty.ts';

const tty = hasTmux() ? test.serial : test.serial.skip;
if (!hasTmux()) process.stderr.write('terminal tests skipped: tmux is not installed\n');

// The type check is skipped: it is not what these test, and a cold one takes ~30 s on a loaded machine.
const run = (...args: string[]) => [process.execPath, BIN, 'run', ...args, '--no-typecheck'];

tty(
  'a run on a terminal draws the task list: the phase, the host line with its counts and last module, the recap',
  async (t) => {
    const pty = await startPty(
      t,
      run('test/fixtures/playbooks/tty-fail.ts', '-i', 'localhost,', '-e', 'fail_on=nobody'),
      { cwd: REPO, env: TERMINAL_ENV },
    );
    t.is(await pty.exitCode(), 0, await pty.screen());
    const screen = await pty.screen();
    t.log(screen);
    t.regex(screen, /^Fail one · 1 hosts$/m);
    // listr2's task list (not the plain renderer's "PHASE ..." lines): a ✔ phase, a ✔ host line with its counts.
    t.regex(screen, /^✔ Check disks$/m);
    t.regex(screen, /^ {2}✔ localhost {2}2 ok$/m);
    t.regex(screen, /^ {4}› ✔ command echo fine$/m, "the host's last module line stays under it");
    t.notRegex(screen, /^PHASE /m);
    t.regex(screen, /^RECAP \d+\.\d\d s$/m);
    t.regex(screen, /^localhost : ok=2 changed=0 unreachable=0 failed=0 skipped=0$/m);
  },
);

tty('a failing module shows ✖ on its host line with the error, and the run exits 2', async (t) => {
  const pty = await startPty(
    t,
    run('test/fixtures/playbooks/tty-fail.ts', '-i', 'localhost,', '-e', 'fail_on=localhost'),
    { cwd: REPO, env: TERMINAL_ENV },
  );
  t.is(await pty.exitCode(), 2, await pty.screen());
  const screen = await pty.screen();
  t.log(screen);
  t.regex(screen, /^. Check disks$/m);
  t.regex(screen, /^ {2}✖ localhost {2}1 ok$/m);
  t.regex(
    screen,
    /FAILED: command failed on localhost \(test\/fixtures\/playbooks\/tty-fail\.ts:13\): Command failed with exit/,
  );
  t.regex(screen, /^ +disk full$/m, "the command's stderr is on screen");
  t.regex(screen, /› ✖ command echo 'disk full' >&2; exit 3/);
  t.regex(screen, /^localhost : ok=1 changed=0 unreachable=0 failed=1 skipped=0$/m);
});

// A cold type check runs in a child process, which is in the terminal's foreground group too: Ctrl-C
// reaches it. Before, that read as a failed check: "the type-check process ... failed (killed by SIGINT)",
// exit 1 (or, when the child had already printed, a screen of its JSON). Whenever the key lands (before,
// during or after the check), the run is interrupted: exit 130, no error.
tty('Ctrl-C during a cold type check is an interruption (exit 130), not a failed check', async (t) => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'drover-tty-')), 'work');
  const cache = mkdtempSync(path.join(tmpdir(), 'drover-tty-cache-'));
  const argv = [
    process.execPath,
    BIN,
    'run',
    'test/fixtures/playbooks/tty-slow.ts',
    '-i',
    'localhost,',
    '-e',
    `dir=${dir}`,
  ];
  const pty = await startPty(t, argv, { cwd: REPO, env: { ...TERMINAL_ENV, XDG_CACHE_HOME: cache } });
  // An empty cache: the check is cold (seconds: ts-morph loads in the child), and the key lands in it.
  await new Promise((r) => setTimeout(r, 1500));
  await pty.keys('C-c');
  t.is(await pty.exitCode(), 130, await pty.screen());
  const screen = await pty.screen();
  t.log(screen);
  t.notRegex(screen, /type-check process|failed|FreshCheck|"outcome"/);
  t.false(existsSync(path.join(dir, 'after-wait')), 'nothing was written on the host');
});

tty('Ctrl-C on a terminal finishes the command in flight, prints the recap and exits 130', async (t) => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'drover-tty-')), 'work');
  const pty = await startPty(t, run('test/fixtures/playbooks/tty-slow.ts', '-i', 'localhost,', '-e', `dir=${dir}`), {
    cwd: REPO,
    env: TERMINAL_ENV,
  });
  // The host line shows the module at work while it runs.
  await pty.waitFor(/^ {4}› command mkdir -p \S+ && sleep 4$/m);
  for (let i = 0; i < 100 && !existsSync(dir); i++) await new Promise((r) => setTimeout(r, 50));
  t.true(existsSync(dir), 'the slow command started');
  await pty.keys('C-c');
  t.is(await pty.exitCode(), 130, await pty.screen());
  const screen = await pty.screen();
  t.log(screen);
  t.regex(
    screen,
    /^Interrupted: finishing the batch or commands in flight, then cleanups \(Ctrl-C again to stop at once\)$/m,
  );
  t.regex(screen, /^RECAP \(interrupted\) \d+\.\d\d s$/m);
  t.regex(
    screen,
    /^localhost : ok=1 changed=0 unreachable=0 failed=0 skipped=0$/m,
    'the command in flight finished and counted',
  );
  // The module Ctrl-C stopped: its status and title, not the command it did not run.
  // The host's Interrupted comes right after the call in flight: the next call (sysfile after-wait) never starts.
  t.regex(screen, /› ✔ command mkdir -p \S+\/work && sleep 4$/m);
  t.notRegex(screen, /after-wait/);
  t.notRegex(screen, /interrupted before|drover_probe/);
  t.false(existsSync(path.join(dir, 'after-wait')), 'nothing new started after Ctrl-C');
  t.notRegex(screen, /Never/, 'no new phase started');
});

// `script` writing into a pipe makes a terminal that reports no size (0 columns, 0 rows): listr2 then
// wrapped every character onto its own line. Such a terminal gets the plain lines a pipe gets.
test.serial(
  'a terminal without a size (script into a pipe) gets plain lines, not a task list wrapped at width 0',
  async (t) => {
    const { spawnSync } = await import('node:child_process');
    const cmd = run('test/fixtures/playbooks/tty-fail.ts', '-i', 'localhost,', '-e', 'fail_on=nobody')
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      cwd: REPO,
      env: TERMINAL_ENV,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return t.pass('script(1) is not installed');
    const out = r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
    t.is(r.status, 0, out);
    t.regex(out, /^localhost \| ok \| command echo fine: fine /m, out);
    t.regex(out, /^localhost : ok=2 changed=0 unreachable=0 failed=0 skipped=0$/m);
    t.false(/^\s*[a-z]\s*$/m.test(out), 'no line holding a single character');
  },
);
