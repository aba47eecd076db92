// command, planned from recorded guard answers (no host): params + the guard probe's section → report and apply.
import test from 'ava';
import type { ExecResult } from '../../../core/host.ts';
import { sh } from '../../../core/sh.ts';
import { command, commandPlan, type CommandParams } from '../../../modules/command/command.ts';
import { planFromAnswer, probeCommand, type Answer } from '../../../modules/kit.ts';

const cmd = sh`make install`;
const held = (word: string): Answer => [['guard', `${word}\n`, 0]];
const none: Answer = [['guard', '', 1]];
const ran = (stdout: string, code = 0): ExecResult => ({
  code,
  stdout,
  stderr: '',
  stdoutBytes: Buffer.from(stdout),
  command: 'x',
});

test('no guard holds: --check reports what would run (changed, skipped); apply runs it', (t) => {
  for (const params of [{ cmd }, { cmd, creates: '/usr/bin/app' }] as CommandParams[]) {
    const plan = planFromAnswer(command, params, none);
    t.deepEqual(plan.result, { changed: true, skipped: 'check mode: would run make install' });
    t.is(typeof plan.apply, 'function');
  }
});

test('each guard that holds: not run, with the reason; nothing to apply', (t) => {
  const cases: [CommandParams, Answer, string][] = [
    [{ cmd, creates: '/usr/bin/app' }, held('creates'), 'not run: /usr/bin/app exists'],
    [{ cmd, removes: '/tmp/build' }, held('removes'), 'not run: /tmp/build does not exist'],
    [{ cmd, unless: sh`app --version` }, held('unless'), 'not run: unless check passed'],
    [{ cmd, creates: '/a', removes: '/b', unless: sh`true` }, held('removes'), 'not run: /b does not exist'],
  ];
  for (const [params, answer, message] of cases) {
    const plan = planFromAnswer(command, params, answer);
    t.deepEqual(plan.result, { changed: false, message });
    t.is(plan.apply, undefined);
  }
});

test('the guard probe: each guard in order, the first that holds prints its name; unless runs silenced', (t) => {
  const shown = probeCommand(command, { cmd, creates: '/usr/bin/my app', unless: sh`grep -q x /etc/y` });
  t.true(
    shown.includes(
      `{ test -e '/usr/bin/my app' && echo creates; } || { ( grep -q x /etc/y ) >/dev/null 2>&1 </dev/null && echo unless; }`,
    ),
    shown,
  );
  t.false(shown.includes('make install'), 'the command itself is not in the probe');
});

test('odd answers: a guard not given, an unknown word, a word with a failing status', (t) => {
  t.throws(() => planFromAnswer(command, { cmd, creates: '/a' }, held('unless')), {
    message: /guard printed "unless\\n"/,
  });
  t.throws(() => planFromAnswer(command, { cmd, creates: '/a' }, [['guard', 'creates\nremoves\n', 0]]), {
    message: /unexpected probe output: guard printed/,
  });
  t.throws(() => planFromAnswer(command, { cmd, creates: '/a' }, [['guard', 'creates\n', 1]]), {
    message: /\(exit 1\)/,
  });
  t.throws(() => planFromAnswer(command, { cmd, creates: '/a' }, []), { message: /section guard is missing/ });
});

test('safeInCheck: the command ran as a read in the facts; changed: false unless changedWhen says so', (t) => {
  const plan = commandPlan({ cmd: sh`uname -r`, safeInCheck: true }, { ran: ran('6.1.0\n') });
  t.deepEqual(plan.result, { changed: false, code: 0, stdout: '6.1.0\n', stderr: '', message: '6.1.0' });
  t.is(plan.apply, undefined);
  const drift = commandPlan(
    { cmd: sh`check-drift`, safeInCheck: true, okCodes: [0, 1], changedWhen: (r) => r.code === 1 },
    { ran: ran('drift: a\ndrift: b\n', 1) },
  );
  t.like(drift.result, { changed: true, code: 1, message: 'drift: b' });
  t.is(typeof drift.apply, 'function', 'a change with nothing left to do: apply is a no-op');
  // a guard that holds wins: the command did not run
  t.deepEqual(commandPlan({ cmd, safeInCheck: true, creates: '/a' }, { done: 'creates' }).result, {
    changed: false,
    message: 'not run: /a exists',
  });
});

test('params are checked before the host is touched', (t) => {
  t.throws(() => planFromAnswer(command, { cmd: 'make install' as never }, none), {
    message: 'cmd must be built with sh`...`',
  });
  t.throws(() => planFromAnswer(command, { cmd, unless: 'test -e /a' as never }, none), {
    message: 'unless must be built with sh`...`',
  });
  t.throws(() => planFromAnswer(command, { cmd, creates: '' }, none), {
    message: 'creates must be a non-empty path without NUL, got ""',
  });
  t.throws(() => planFromAnswer(command, { cmd, okCodes: [256] }, none), {
    message: 'okCodes: 256 is not an exit code (0-255)',
  });
});
