// service against real OpenRC in a lab host (gentoo profile): start/stop/enable twice each, --check, crashed, reload, notifyRestart.
import test from 'ava';
import { sh } from '../../../core/sh.ts';
import type { RunHost } from '../../../core/host.ts';
import {
  notifyRestart,
  parseServiceProbe,
  planService,
  service,
  serviceProbe,
  SERVICE_SECTIONS,
} from '../../../modules/system/service.ts';
import { execFileSync } from 'node:child_process';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import { sysfile } from '../../../modules/files/sysfile.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'svc', hosts: 1, profile: 'gentoo' });
const labTest = labSerialTest(test);

const openHost = labHostOpener(test, lab);
const host = (opts: { check?: boolean } = {}) => openHost(opts).host;
let main: RunHost<Record<string, unknown>> | undefined;
const h = () => (main ??= host());

// A tiny OpenRC service: a background sleep with a pidfile, and a reload that counts.
const SCRIPT = `#!/sbin/openrc-run
description="drover test service"
command=/bin/sleep
command_args=100000
command_background=true
pidfile=/run/drovertest.pid
extra_started_commands="reload"
# Debian's OpenRC runs dpkg's start-stop-daemon, which records no daemon state, so OpenRC's own
# crashed detection cannot work in the lab: this status() reports what Gentoo's would (exit 32).
status() {
  if service_started; then
    if kill -0 "$(cat /run/drovertest.pid 2>/dev/null)" 2>/dev/null; then einfo "status: started"; return 0; fi
    eerror "status: crashed"; return 32
  fi
  einfo "status: stopped"; return 3
}
reload() {
  ebegin "Reloading drovertest"
  echo x >> /run/drovertest.reloads
  eend 0
}
`;

async function status(): Promise<number> {
  return (await h().exec(sh`rc-service drovertest status`, { allowFail: true })).code;
}
async function inDefault(): Promise<boolean> {
  return (await h().exec(sh`test -L /etc/runlevels/default/drovertest`, { allowFail: true })).code === 0;
}

/** An answer built from the probe's format. */
function answer(
  frame: ProbeFrame,
  init: string,
  o: { exists?: number; status?: number; enabled?: number; systemd?: string } = {},
): Buffer {
  return frame.render([
    ['init', init],
    ['exists', '', o.exists ?? 1],
    ['status', '', o.status ?? 0],
    ['enabled', '', o.enabled ?? 1],
    ['systemd', o.systemd ?? ''],
  ]);
}
const facts = (init: string, o: Parameters<typeof answer>[2] = {}) => {
  const frame = new ProbeFrame();
  return parseServiceProbe(frame.parse(answer(frame, init, o), SERVICE_SECTIONS));
};

test('parse and plan: OpenRC exit codes, crashed restarts, stopped is a no-op', (t) => {
  const f = facts('openrc', { exists: 0, status: 32, enabled: 1 });
  t.deepEqual(f, { init: 'openrc', exists: true, status: 'crashed', enabled: false });
  t.deepEqual(planService({ name: 'x', state: 'started' }, f), {
    actions: ['zap', 'start'],
    enable: undefined,
    messages: ['restarted (was crashed)'],
  });
  t.deepEqual(planService({ name: 'x', state: 'stopped' }, f).actions, ['zap']);
  const stopped = facts('openrc', { exists: 0, status: 3, enabled: 0 });
  t.deepEqual(planService({ name: 'x', state: 'stopped', enabled: true }, stopped).actions, []);
  t.is(facts('unknown').init, 'unknown');
  const sd = facts('systemd', { systemd: 'LoadState=loaded\nActiveState=failed\nUnitFileState=enabled\n' });
  t.deepEqual(sd, { init: 'systemd', exists: true, status: 'failed', enabled: true });
});

test('hostile answers: old key=value lines around the sections, forged or repeated systemd keys, truncation', (t) => {
  const frame = new ProbeFrame();
  const good = answer(frame, 'openrc', { exists: 0, status: 3, enabled: 1 });
  for (const bad of [
    Buffer.concat([Buffer.from('init=openrc\ncode=0\n'), good]),
    Buffer.concat([good, Buffer.from('enabled=1\n')]),
    good.subarray(0, good.length - 2),
    answer(frame, 'systemd', { systemd: 'LoadState=loaded\nActiveState=failed\nActiveState=active\n' }),
    answer(frame, 'systemd', { systemd: 'LoadState=loaded\ninit=openrc\n' }),
    answer(frame, 'openrc\ncode=0'),
  ]) {
    t.throws(() => parseServiceProbe(frame.parse(bad, SERVICE_SECTIONS)), { instanceOf: ProbeFormatError });
  }
});

test('the probe run by dash on this machine parses (whatever its init system)', (t) => {
  const frame = new ProbeFrame();
  const out = execFileSync('dash', ['-c', serviceProbe(frame, 'drover-no-such-service', 'default').text]);
  const f = parseServiceProbe(frame.parse(out, SERVICE_SECTIONS));
  t.false(f.exists);
  t.throws(() => serviceProbe(frame, '--help', 'default'), { message: /bad name "--help"/ });
  t.throws(() => serviceProbe(frame, 'sshd', '-x'), { message: /bad runlevel "-x"/ });
});

labTest('install the test service (sysfile, mode 0755)', async (t) => {
  const r = await sysfile(h(), { path: '/etc/init.d/drovertest', content: SCRIPT, mode: '0755' });
  t.true(r.changed);
  t.is(await status(), 3);
});

labTest('started + enabled: --check reports, then applies, then second run is a no-op', async (t) => {
  const c = await service(host({ check: true }), { name: 'drovertest', state: 'started', enabled: true });
  t.true(c.changed);
  t.is(c.before, 'stopped');
  t.is(c.message, 'started, enabled in runlevel default');
  t.is(await status(), 3);
  t.false(await inDefault());
  const r1 = await service(h(), { name: 'drovertest', state: 'started', enabled: true });
  t.true(r1.changed);
  t.is(r1.init, 'openrc');
  t.is(await status(), 0);
  t.true(await inDefault());
  const r2 = await service(h(), { name: 'drovertest', state: 'started', enabled: true });
  t.false(r2.changed);
  t.is(r2.before, 'started');
});

labTest('a crashed service (status 32) is restarted, and the message says so', async (t) => {
  await h().exec(sh`kill "$(cat /run/drovertest.pid)"; sleep 0.2`);
  t.is(await status(), 32);
  const r = await service(h(), { name: 'drovertest', state: 'started' });
  t.true(r.changed);
  t.is(r.message, 'restarted (was crashed)');
  t.is(await status(), 0);
});

labTest('reloaded and restarted always act', async (t) => {
  await h().exec(sh`rm -f /run/drovertest.reloads`);
  const r = await service(h(), { name: 'drovertest', state: 'reloaded' });
  t.true(r.changed);
  t.is((await h().exec(sh`cat /run/drovertest.reloads`)).stdout, 'x\n');
  const pid1 = (await h().exec(sh`cat /run/drovertest.pid`)).stdout;
  t.true((await service(h(), { name: 'drovertest', state: 'restarted' })).changed);
  const pid2 = (await h().exec(sh`cat /run/drovertest.pid`)).stdout;
  t.not(pid1, pid2);
});

labTest('notifyRestart: restarts once at flush, only when something changed', async (t) => {
  const hh = host();
  const pid1 = (await hh.exec(sh`cat /run/drovertest.pid`)).stdout;
  const a = await sysfile(hh, { path: '/etc/conf.d/drovertest', content: 'opt=1\n', createParents: true });
  const b = await sysfile(hh, { path: '/etc/conf.d/drovertest', content: 'opt=1\n', createParents: true });
  t.true(notifyRestart(hh, 'drovertest', a, b));
  t.true(notifyRestart(hh, 'drovertest', a));
  t.false(notifyRestart(hh, 'drovertest', b));
  await hh.flushHandlers();
  const pid2 = (await hh.exec(sh`cat /run/drovertest.pid`)).stdout;
  t.not(pid1, pid2);
  await hh.flushHandlers(); // nothing left
  t.is((await hh.exec(sh`cat /run/drovertest.pid`)).stdout, pid2);
});

labTest('stopped + disabled, twice; a missing service is fine to stop/disable, an error to start', async (t) => {
  const r1 = await service(h(), { name: 'drovertest', state: 'stopped', enabled: false });
  t.true(r1.changed);
  t.is(r1.message, 'stopped, disabled');
  t.is(await status(), 3);
  t.false(await inDefault());
  t.false((await service(h(), { name: 'drovertest', state: 'stopped', enabled: false })).changed);
  const missing = await service(h(), { name: 'drbd', enabled: false });
  t.false(missing.changed);
  await t.throwsAsync(service(h(), { name: 'nosuchsvc', state: 'started' }), {
    message: /does not exist.*\/etc\/init\.d\/nosuchsvc/,
  });
  await t.throwsAsync(service(h(), { name: '-x', state: 'started' }), { message: /bad name/ });
});
