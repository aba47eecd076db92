// drover on a real terminal (a tmux pane) with many local-connection hosts: above a threshold a phase is one
// summary line plus the failed hosts, not a line and a spinner per host; below it, the per-host task list.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, REPO } from '../../support/cli.ts';
import { hasTmux, startPty, TERMINAL_ENV } from '../../support/pty.ts';

const tty = hasTmux() ? test.serial : test.serial.skip;
if (!hasTmux()) process.stderr.write('terminal tests skipped: tmux is not installed\n');

/** An INI inventory of `count` local-connection hosts h1..hN. */
function inventory(t: { teardown: (fn: () => void) => void }, count: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-tty-summary-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'hosts.ini');
  writeFileSync(file, Array.from({ length: count }, (_, i) => `h${i + 1} ansible_connection=local\n`).join(''));
  return file;
}

const run = (inv: string) => [
  process.execPath,
  BIN,
  'run',
  'test/fixtures/playbooks/tty-fail.ts',
  '-i',
  inv,
  '-e',
  'fail_on=h9',
  '--no-typecheck',
];

tty(
  '60 hosts on a 40-row terminal: one summary line for the phase, the failed host named, no line per host',
  async (t) => {
    const pty = await startPty(t, run(inventory(t, 60)), { cwd: REPO, env: TERMINAL_ENV, rows: 40, cols: 110 });
    t.is(await pty.exitCode(120_000), 2, await pty.screen());
    const screen = await pty.screen();
    t.log(screen);
    t.regex(screen, /^Fail one · 60 hosts$/m);
    // Redrawn in place: the scrollback holds the final frame only, not one per refresh.
    t.is(screen.match(/Check disks {2}/g)?.length, 1, 'the summary was redrawn in place');
    t.regex(screen, /^✖ Check disks {2}60\/60 done · 1 failed {2}\d+\.\d s$/m);
    t.regex(
      screen,
      /^ {2}✖ h9 {2}FAILED: command failed on h9 \(test\/fixtures\/playbooks\/tty-fail\.ts:13\): Command failed with exit/m,
    );
    t.regex(screen, /^ {6}disk full$/m, "the failed command's stderr is on screen once the phase is over");
    t.notRegex(screen, /^ +[✔✖] h1 /m, 'no per-host task line');
    t.notRegex(screen, /slowest running/, 'the finished frame lists no running hosts');
    t.regex(screen, /^RECAP \d+\.\d\d s$/m);
    t.regex(screen, /^h9 +: ok=1 changed=0 unreachable=0 failed=1 skipped=0$/m);
  },
);

tty('below the threshold (5 hosts) the per-host task list stays', async (t) => {
  const pty = await startPty(t, run(inventory(t, 5)), { cwd: REPO, env: TERMINAL_ENV, rows: 40, cols: 110 });
  t.is(await pty.exitCode(120_000), 0, await pty.screen());
  const screen = await pty.screen();
  t.log(screen);
  t.regex(screen, /^ {2}✔ h1 {2}2 ok$/m);
  t.notRegex(screen, /done · /);
});

tty('while a summarised phase runs it shows the slowest hosts at work; Ctrl-C ends it with the recap', async (t) => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'drover-tty-summary-slow-')), 'work');
  t.teardown(() => rmSync(path.dirname(dir), { recursive: true, force: true }));
  const argv = [
    process.execPath,
    BIN,
    'run',
    'test/fixtures/playbooks/tty-slow.ts',
    '-i',
    inventory(t, 30),
    '-f',
    '30',
    '-e',
    `dir=${dir}`,
    '--no-typecheck',
  ];
  const pty = await startPty(t, argv, { cwd: REPO, env: TERMINAL_ENV, rows: 40, cols: 110 });
  // The live frame: counts, then the slowest hosts with the module each is in.
  const live = await pty.waitFor(/^ {4}h\d+ {2}\d+\.\d s {2}command mkdir -p \S+ && sleep 4$/m, 60_000);
  t.log(live);
  t.regex(live, /^. Wait {2}0\/30 done · 30 running {2}\d+\.\d s$/m);
  t.regex(live, /^ {2}slowest running:$/m);
  t.is(live.match(/^ {4}h\d+ /gm)?.length, 5, 'the 5 slowest, not 30 lines');
  await pty.keys('C-c');
  t.is(await pty.exitCode(60_000), 130, await pty.screen());
  const screen = await pty.screen();
  t.log(screen);
  t.is(screen.match(/ Wait {2}/g)?.length, 1, 'one frame left on screen');
  // The CLI's own line, written while the frame was live, is kept above it (not erased by a redraw).
  t.regex(
    screen,
    /^Interrupted: finishing the batch or commands in flight, then cleanups \(Ctrl-C again to stop at once\)\n. Wait {2}/m,
  );
  t.regex(screen, /^! Wait {2}30\/30 done · 30 interrupted {2}\d+\.\d s$/m);
  t.regex(screen, /^RECAP \(interrupted\) \d+\.\d\d s$/m);
  t.notRegex(screen, /Never/);
});
