// drover on a real terminal (a tmux pane) against three lab hosts over SSH, as a person runs it:
// a task per phase, a line per host with the module at work, ✔ / changed / ✖, diffs, the recap, Ctrl-C.
import test from 'ava';
import { labExec } from '../../../lab/index.ts';
import { BIN, REPO } from '../../support/cli.ts';
import { labSerialTest, useLab } from '../../support/lab.ts';
import { hasTmux, startPty, TERMINAL_ENV } from '../../support/pty.ts';

const lab = useLab(test, { name: 'tty', hosts: 3, profile: 'base' });
const labTest = labSerialTest(test);
const haveTmux = hasTmux();
const ttyTest: typeof labTest = haveTmux ? labTest : (title, impl) => test.serial.skip(title, impl);
if (!haveTmux) process.stderr.write('terminal tests skipped: tmux is not installed\n');

const drover = (...args: string[]) => [process.execPath, BIN, ...args];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

ttyTest(
  'the README example on a terminal: phases, host lines, changed then ✔, diffs with --diff, the recap',
  async (t) => {
    const state = lab();
    const names = state.hosts.map((h) => h.name);
    // As the README runs it, type check included.
    const first = await startPty(
      t,
      drover('run', 'playbooks/hello.ts', '-i', state.inventoryFile, '--diff', '-e', 'motd=Hi from a terminal'),
      { cwd: REPO, env: TERMINAL_ENV },
    );
    t.is(await first.exitCode(120_000), 0, await first.screen());
    const screen = await first.screen();
    t.log(screen);
    t.regex(screen, /^Hello · 3 hosts$/m);
    // One listr2 task per phase, in order, each done.
    const phases = [...screen.matchAll(/^✔ (.+)$/gm)].map((m) => m[1]);
    t.deepEqual(phases, ['Message of the day', 'Read a fact', 'Record it']);
    for (const name of names) {
      // Its line in the first phase: counts in the title, the last module's outcome under it.
      t.regex(
        screen,
        new RegExp(`^ {2}✔ ${escape(name)} {2}0 ok, 2 changed\\n {4}› changed sysfile /etc/ssh/sshd_config\\b`, 'm'),
        name,
      );
      // The first host also ran the read-only `uname -r`.
      const ok = name === names[0] ? 1 : 0;
      t.regex(
        screen,
        new RegExp(`^${escape(name)} +: ok=${ok} changed=3 unreachable=0 failed=0 skipped=0$`, 'm'),
        `${name}'s recap`,
      );
    }
    t.regex(
      screen,
      new RegExp(`^ {2}✔ ${escape(names[0])} {2}1 ok\\n {4}› ✔ command uname -r$`, 'm'),
      'the fact is read on the first host only',
    );
    // The same /etc/motd change on the three hosts is shown once, headed by the hosts it applies to.
    t.regex(
      screen,
      /^node\[1-3\]\.example\.org \(3 hosts\): sysfile \/etc\/motd {2}\(playbooks\/hello\.ts:\d+\)$/m,
      'one diff header for the 3 hosts',
    );
    t.is([...screen.matchAll(/: sysfile \/etc\/motd {2}\(/g)].length, 1, 'the identical diff is not repeated per host');
    t.regex(screen, /^\+Hi from a terminal$/m);
    t.regex(screen, /^\+Managed by drover\.$/m);
    t.regex(screen, /^\+PrintMotd yes$/m);
    t.regex(screen, /^-#?PrintMotd .*$/m, 'the line sysfile replaced in sshd_config');
    t.regex(screen, /^RECAP \d+\.\d\d s$/m);

    // Again: nothing to change, every module line ✔, no diffs.
    const second = await startPty(
      t,
      drover(
        'run',
        'playbooks/hello.ts',
        '-i',
        state.inventoryFile,
        '--diff',
        '-e',
        'motd=Hi from a terminal',
        '--no-typecheck',
      ),
      { cwd: REPO, env: TERMINAL_ENV },
    );
    t.is(await second.exitCode(120_000), 0, await second.screen());
    const again = await second.screen();
    t.log(again);
    for (const name of names) {
      t.regex(again, new RegExp(`^ {2}✔ ${escape(name)} {2}2 ok\\n {4}› ✔ sysfile /etc/ssh/sshd_config$`, 'm'), name);
      t.regex(
        again,
        new RegExp(
          `^${escape(name)} +: ok=${name === names[0] ? 4 : 3} changed=0 unreachable=0 failed=0 skipped=0$`,
          'm',
        ),
        name,
      );
    }
    t.notRegex(again, /^[+-]/m, 'no diff when nothing changed');
  },
);

ttyTest('one host failing: ✖ on its line with the error, the others ✔, exit 2', async (t) => {
  const state = lab();
  const [a, b, c] = state.hosts.map((h) => h.name);
  const pty = await startPty(
    t,
    drover(
      'run',
      'test/fixtures/playbooks/tty-fail.ts',
      '-i',
      state.inventoryFile,
      '-e',
      `fail_on=${b}`,
      '--no-typecheck',
    ),
    { cwd: REPO, env: TERMINAL_ENV },
  );
  t.is(await pty.exitCode(120_000), 2, await pty.screen());
  const screen = await pty.screen();
  t.log(screen);
  t.regex(screen, /^. Check disks$/m);
  for (const ok of [a, c])
    t.regex(screen, new RegExp(`^ {2}✔ ${escape(ok)} {2}2 ok\\n {4}› ✔ command echo fine$`, 'm'), ok);
  t.regex(
    screen,
    new RegExp(
      `^ {2}✖ ${escape(b)} {2}1 ok\\n {4}› FAILED: command failed on ${escape(b)} \\(test/fixtures/playbooks/tty-fail\\.ts:13\\)`,
      'm',
    ),
  );
  t.regex(screen, /^ +disk full$/m, "the failed command's stderr");
  t.regex(screen, new RegExp(`^${escape(b)} +: ok=1 changed=0 unreachable=0 failed=1 skipped=0$`, 'm'));
  t.regex(screen, new RegExp(`^${escape(a)} +: ok=2 changed=0 unreachable=0 failed=0 skipped=0$`, 'm'));
});

ttyTest(
  'Ctrl-C while every host is at work: the commands finish, nothing new starts, the recap, exit 130',
  async (t) => {
    const state = lab();
    const dir = '/tmp/drover-tty';
    for (const h of state.hosts) await labExec(state, h.short, ['rm', '-rf', dir]);
    const pty = await startPty(
      t,
      drover(
        'run',
        'test/fixtures/playbooks/tty-slow.ts',
        '-i',
        state.inventoryFile,
        '-e',
        `dir=${dir}`,
        '--no-typecheck',
      ),
      { cwd: REPO, env: TERMINAL_ENV },
    );
    // Every host's line shows the module at work.
    for (const h of state.hosts)
      await pty.waitFor(
        new RegExp(`^ {2}. ${escape(h.name)} {2}0 ok\\n {4}› command mkdir -p /tmp/drover-tty && sleep 4$`, 'm'),
      );
    await pty.keys('C-c');
    t.is(await pty.exitCode(), 130, await pty.screen());
    const screen = await pty.screen();
    t.log(screen);
    t.regex(screen, /^RECAP \(interrupted\) \d+\.\d\d s$/m);
    for (const h of state.hosts) {
      t.regex(
        screen,
        new RegExp(`^${escape(h.name)} +: ok=1 changed=0 unreachable=0 failed=0 skipped=0$`, 'm'),
        `${h.name}: the command in flight finished`,
      );
      t.regex(
        screen,
        new RegExp(
          // The host's Interrupted comes right after the module call in flight (core/engine/interrupt.ts): the
          // next module call (sysfile after-wait) never starts, so it has no line.
          `^ {2}✖ ${escape(h.name)} {2}1 ok\\n {4}› interrupted by Ctrl-C\\n {4}› ✔ command `,
          'm',
        ),
        h.name,
      );
      t.not(
        (await labExec(state, h.short, ['test', '-e', `${dir}/after-wait`])).code,
        0,
        `${h.name}: nothing started after Ctrl-C`,
      );
    }
    t.notRegex(screen, /interrupted before|drover_probe/, 'an interrupted module shows its title, not a command');
    t.notRegex(screen, /Never/, 'no new phase started');
  },
);
