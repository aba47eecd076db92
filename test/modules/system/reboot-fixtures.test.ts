// reboot, planned from recorded probe answers (no host): params + facts → report; a returning host's answers → booted or still waiting.
import test from 'ava';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import { reboot } from '../../../modules/system/reboot.ts';
import { BOOT_SECTIONS, parseBootState, REBOOT_FAILED, rebootCommand } from '../../../modules/system/reboot-facts.ts';
import { bootProgress, rebootedResult } from '../../../modules/system/reboot-plan.ts';
import { planFromAnswer, probeCommand, type Answer } from '../../../modules/kit.ts';

const ID = '8b9d00cc-c39b-4f99-af3a-0840f91ae4c9';
const NEW_ID = 'd97f22e9-897f-43c7-8588-f845a572d062';

/** What a lab host answered (boot id and /proc/uptime as read there); marker: 0 exists, 1 absent, 2 not asked. */
const facts = (marker = 2, bootid = `${ID}\n`, uptime = '2511.53 1470.93\n'): Answer => [
  ['bootid', bootid],
  ['uptime', uptime],
  ['marker', '', marker],
];

test('a reboot always changes the host; --check reports it as is and the real run applies it', (t) => {
  const plan = planFromAnswer(reboot, {}, facts());
  t.like(plan.result, { changed: true, message: 'would reboot', bootId: ID, uptime: 2511.53 });
  t.is(typeof plan.apply, 'function');
});

test('the reason is in the message and the title', (t) => {
  t.is(planFromAnswer(reboot, { reason: 'new kernel' }, facts()).result.message, 'would reboot (new kernel)');
  t.is(reboot.spec.title({ reason: 'new kernel' }), 'reboot (new kernel)');
  t.is(reboot.spec.title({ onlyIfExists: '/run/reboot-required' }), 'reboot if /run/reboot-required');
});

test('onlyIfExists: the marker file exists → reboot', (t) => {
  const plan = planFromAnswer(reboot, { onlyIfExists: '/run/reboot-required' }, facts(0));
  t.like(plan.result, { changed: true, message: 'would reboot (/run/reboot-required exists)' });
  t.truthy(plan.apply);
});

test('onlyIfExists: no marker file → nothing to do', (t) => {
  const plan = planFromAnswer(reboot, { onlyIfExists: '/run/reboot-required' }, facts(1));
  t.like(plan.result, { changed: false, message: 'no reboot needed: /run/reboot-required does not exist', bootId: ID });
  t.is(plan.apply, undefined);
});

test('the probe reads boot id, uptime and the marker, the path quoted', (t) => {
  const cmd = probeCommand(reboot, { onlyIfExists: "/run/it's required" });
  t.true(cmd.includes('cat /proc/sys/kernel/random/boot_id'), cmd);
  t.true(cmd.includes('cat /proc/uptime'), cmd);
  t.true(cmd.includes(`[ -e '/run/it'\\''s required' ]`), cmd);
  t.true(probeCommand(reboot, {}).includes('(exit 2)'));
});

test('the reboot command is detached and falls back from reboot to openrc-shutdown to shutdown', (t) => {
  t.is(
    rebootCommand().display,
    `rm -f /run/drover-reboot.log; setsid sh -c 'sleep 1; reboot || openrc-shutdown -r now || shutdown -r now || echo '\\''${REBOOT_FAILED}'\\''' >/run/drover-reboot.log 2>&1 </dev/null &`,
  );
});

test('params are checked before the host is touched', (t) => {
  for (const timeoutMs of [0, 999, 3_600_001, 1500.5, Number.NaN, '60000' as unknown as number])
    t.throws(
      () => planFromAnswer(reboot, { timeoutMs }, facts()),
      { message: /^timeoutMs must be a whole number of milliseconds from 1000 to 3600000, got / },
      String(timeoutMs),
    );
  t.notThrows(() => planFromAnswer(reboot, { timeoutMs: 1000 }, facts()));
  t.notThrows(() => planFromAnswer(reboot, { timeoutMs: 3_600_000 }, facts()));
  t.throws(() => planFromAnswer(reboot, { reason: 'a\nb' }, facts()), {
    message: 'reason must be one line of at most 200 characters, got "a\\nb"',
  });
  t.throws(() => planFromAnswer(reboot, { onlyIfExists: 'run/reboot-required' }, facts(0)), {
    message: 'onlyIfExists must be an absolute path, got "run/reboot-required"',
  });
});

test('odd facts are refused, not guessed', (t) => {
  t.throws(() => planFromAnswer(reboot, {}, facts(2, 'not-a-uuid\n')), {
    instanceOf: ProbeFormatError,
    message: /boot_id read "not-a-uuid\\n"/,
  });
  t.throws(() => planFromAnswer(reboot, {}, facts(2, `${ID}\n${NEW_ID}\n`)), { instanceOf: ProbeFormatError });
  t.throws(() => planFromAnswer(reboot, {}, facts(2, '')), { instanceOf: ProbeFormatError });
  t.throws(() => planFromAnswer(reboot, {}, facts(2, `${ID}\n`, 'soon\n')), {
    instanceOf: ProbeFormatError,
    message: /\/proc\/uptime read "soon\\n"/,
  });
  // The marker test can only say yes (0) or no (1); 2 = not asked.
  t.throws(() => planFromAnswer(reboot, { onlyIfExists: '/run/reboot-required' }, facts(2)), {
    instanceOf: ProbeFormatError,
  });
  t.throws(() => planFromAnswer(reboot, {}, facts(0)), { instanceOf: ProbeFormatError });
});

// A returning host, as recorded on a gentoo lab host during `openrc-shutdown -r now` and the boot after it.
const look = (bootid: string, openrc: string, opts: { log?: string; init?: string; systemd?: string } = {}) => {
  const frame = new ProbeFrame();
  const answer: Answer = [
    ['bootid', `${bootid}\n`],
    ['log', opts.log ?? ''],
    ['init', opts.init ?? 'openrc'],
    ['openrc', openrc],
    ['systemd', opts.systemd ?? ''],
  ];
  return parseBootState(frame.parse(frame.render(answer), BOOT_SECTIONS));
};

test('booted: the same boot (going down) waits; the new one waits for OpenRC to reach the default runlevel', (t) => {
  t.deepEqual(bootProgress(ID, look(ID, 'default\n')), {
    done: false,
    sameBoot: true,
    waiting: 'waiting for the host to go down',
  });
  t.deepEqual(bootProgress(ID, look(ID, 'shutdown\n')), {
    done: false,
    sameBoot: true,
    waiting: 'waiting for the host to go down',
  });
  t.deepEqual(bootProgress(ID, look(NEW_ID, '')), {
    done: false,
    sameBoot: false,
    waiting: 'booting: OpenRC runlevel (none yet)',
  });
  t.deepEqual(bootProgress(ID, look(NEW_ID, 'sysinit\nrc.starting\n')), {
    done: false,
    sameBoot: false,
    waiting: 'booting: OpenRC runlevel sysinit (rc.starting)',
  });
  t.deepEqual(bootProgress(ID, look(NEW_ID, 'boot\nrc.starting\n')), {
    done: false,
    sameBoot: false,
    waiting: 'booting: OpenRC runlevel boot (rc.starting)',
  });
  t.deepEqual(bootProgress(ID, look(NEW_ID, 'default\nrc.starting\n')), {
    done: false,
    sameBoot: false,
    waiting: 'booting: OpenRC runlevel default (rc.starting)',
  });
  t.deepEqual(bootProgress(ID, look(NEW_ID, 'default\n')), { done: true });
});

test('booted: systemd when running or degraded; another init as soon as the new boot answers', (t) => {
  t.deepEqual(bootProgress(ID, look(NEW_ID, '', { init: 'systemd', systemd: 'starting\n' })), {
    done: false,
    sameBoot: false,
    waiting: 'booting: systemd is starting',
  });
  t.deepEqual(bootProgress(ID, look(NEW_ID, '', { init: 'systemd', systemd: 'degraded\n' })), { done: true });
  t.deepEqual(bootProgress(ID, look(NEW_ID, '', { init: 'unknown' })), { done: true });
});

test('no reboot command worked: a clear error at once, with what the commands said', (t) => {
  const log = `sh: 1: reboot: not found\nsh: 1: openrc-shutdown: not found\nsh: 1: shutdown: not found\n${REBOOT_FAILED}\n`;
  t.throws(() => bootProgress(ID, look(ID, '', { log, init: 'unknown' })), {
    message:
      'the host did not reboot: no reboot command worked (reboot, openrc-shutdown -r now, shutdown -r now): sh: 1: reboot: not found; sh: 1: openrc-shutdown: not found; sh: 1: shutdown: not found',
  });
  // A log from commands that failed before one worked says nothing: still waiting.
  t.like(bootProgress(ID, look(ID, 'default\n', { log: 'sh: 1: reboot: not found\n' })), {
    done: false,
    sameBoot: true,
  });
});

test('odd boot states are refused', (t) => {
  t.throws(() => look(NEW_ID, 'default\n', { init: 'runit' }), { instanceOf: ProbeFormatError });
  t.throws(() => look(NEW_ID, 'default level\n'), { instanceOf: ProbeFormatError });
  t.throws(() => look(NEW_ID, 'default\nrc.confused\n'), { instanceOf: ProbeFormatError });
  t.throws(() => look('x', 'default\n'), { instanceOf: ProbeFormatError });
  t.throws(() => look(NEW_ID, '', { init: 'systemd', systemd: 'running; rm -rf /\n' }), {
    instanceOf: ProbeFormatError,
  });
});

test('the report after the reboot: how long it took, to a tenth of a second', (t) => {
  t.deepEqual(rebootedResult({ reason: 'new kernel' }, NEW_ID, 5449), {
    bootIdAfter: NEW_ID,
    seconds: 5.4,
    message: 'rebooted in 5.4 s (new kernel)',
  });
  t.deepEqual(rebootedResult({}, NEW_ID, 61_000), { bootIdAfter: NEW_ID, seconds: 61, message: 'rebooted in 61.0 s' });
});
