// service against real systemd 252 as PID 1 of a lab host (debian profile): start/stop/enable twice each, --check, failed, reload, daemon-reload.
import test from 'ava';
import { sh } from '../../../core/sh.ts';
import type { RunHost } from '../../../core/host.ts';
import { service } from '../../../modules/system/service.ts';
import { sysfile } from '../../../modules/files/sysfile.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'systemd', hosts: 1, profile: 'debian' });
const labTest = labSerialTest(test);
const openHost = labHostOpener(test, lab);
let main: RunHost<Record<string, unknown>> | undefined;
const h = () => (main ??= openHost().host);

// A tiny unit: a sleep, and a reload that counts.
const UNIT = `[Unit]
Description=drover test service

[Service]
ExecStart=/bin/sleep 100000
ExecReload=/bin/sh -c 'echo x >>/run/drovertest.reloads'

[Install]
WantedBy=multi-user.target
`;
const state = async () =>
  (await h().exec(sh`systemctl is-active drovertest; systemctl is-enabled drovertest`, { allowFail: true })).stdout
    .replace(/\n/g, ' ')
    .trim();

labTest('systemd is PID 1 and the host is up (sshd a systemd service)', async (t) => {
  t.is((await h().exec(sh`cat /proc/1/comm`)).stdout, 'systemd\n');
  t.regex(
    (await h().exec(sh`systemctl is-system-running --wait`, { allowFail: true })).stdout,
    /^(running|degraded)\n$/,
  );
  const ssh = await service(h(), { name: 'ssh', state: 'started', enabled: true });
  t.deepEqual(ssh, { changed: false, init: 'systemd', before: 'active' });
  t.true((await sysfile(h(), { path: '/etc/systemd/system/drovertest.service', content: UNIT })).changed);
});

labTest('--check: would start and enable, changes nothing', async (t) => {
  const r = await service(openHost({ check: true }).host, { name: 'drovertest', state: 'started', enabled: true });
  t.like(r, { changed: true, init: 'systemd', before: 'inactive', message: 'started, enabled' });
  t.is(await state(), 'inactive disabled');
});

labTest('started + enabled, then nothing to do; reloaded always reloads', async (t) => {
  const r = await service(h(), { name: 'drovertest', state: 'started', enabled: true });
  t.like(r, { changed: true, before: 'inactive', message: 'started, enabled' });
  t.is(await state(), 'active enabled');
  t.deepEqual(await service(h(), { name: 'drovertest', state: 'started', enabled: true }), {
    changed: false,
    init: 'systemd',
    before: 'active',
  });
  t.like(await service(h(), { name: 'drovertest', state: 'reloaded' }), { changed: true, message: 'reloaded' });
  t.is((await h().exec(sh`cat /run/drovertest.reloads`)).stdout, 'x\n');
});

labTest('a unit file changed on disk: daemon-reload first, then nothing to do', async (t) => {
  await sysfile(h(), { path: '/etc/systemd/system/drovertest.service', content: UNIT.replace('100000', '200000') });
  const r = await service(h(), { name: 'drovertest', state: 'restarted' });
  t.like(r, { changed: true, message: 'daemon-reload (unit file changed on disk), restarted' });
  t.regex((await h().exec(sh`systemctl show -p ExecStart drovertest`)).stdout, /sleep 200000/);
  t.false((await service(h(), { name: 'drovertest', state: 'started' })).changed);
});

labTest('failed (its process killed): started restarts it, and says so', async (t) => {
  await h().exec(sh`systemctl kill -s KILL drovertest && sleep 0.2`);
  t.is(await state(), 'failed enabled');
  const r = await service(h(), { name: 'drovertest', state: 'started' });
  t.like(r, { changed: true, before: 'failed', message: 'restarted (was failed)' });
  t.is(await state(), 'active enabled');
});

labTest('stopped + disabled, twice; masked and static units are refused with the reason', async (t) => {
  t.like(await service(h(), { name: 'drovertest', state: 'stopped', enabled: false }), {
    changed: true,
    message: 'stopped, disabled',
  });
  t.is(await state(), 'inactive disabled');
  t.false((await service(h(), { name: 'drovertest', state: 'stopped', enabled: false })).changed);
  // a unit file in /etc/systemd/system cannot be masked (mask writes a link there): cron's is in /lib
  await h().exec(sh`systemctl mask --now cron`);
  await t.throwsAsync(service(h(), { name: 'cron', state: 'started' }), {
    message: /unit cron is masked on node1\.example\.org: unmask it first/,
  });
  t.false((await service(h(), { name: 'cron', state: 'stopped' })).changed);
  await h().exec(sh`systemctl unmask cron && systemctl start cron`);
  // systemd-journald.service has no [Install] section
  await t.throwsAsync(service(h(), { name: 'systemd-journald', enabled: true }), {
    message: /unit systemd-journald is static \(no \[Install\] section\)/,
  });
  await t.throwsAsync(service(h(), { name: 'drover-nope', state: 'started' }), {
    message: /service drover-nope does not exist on node1\.example\.org \(no such unit\)/,
  });
});
