// The catalog's parsers on whole answers recorded on the lab's Debian and Gentoo hosts (test/fixtures/facts/lab-*.json).
import { readFileSync } from 'node:fs';
import test from 'ava';
import { ProbeFrame } from '../../../core/probe-frame.ts';
import { FACT_NAMES, factsSections, parseFacts } from '../../../modules/facts/index.ts';

/** A recorded answer, rendered in the wire format and parsed strictly, as a live one is. */
function recorded(profile: 'base' | 'gentoo') {
  const file = new URL(`../../fixtures/facts/lab-${profile}.json`, import.meta.url);
  const { answer } = JSON.parse(readFileSync(file, 'utf8')) as { answer: [string, string, number][] };
  const frame = new ProbeFrame();
  return parseFacts(FACT_NAMES, frame.parse(frame.render(answer), factsSections(FACT_NAMES)));
}

test('Debian base host (sshd as PID 1): apt, no init drover drives, its eth0 and default route', (t) => {
  const f = recorded('base');
  t.like(f.os, { id: 'debian', family: 'debian', versionId: '12', codename: 'bookworm' });
  t.deepEqual(f.init, { system: 'unknown', pid1: 'sshd' });
  t.deepEqual(f.packageManager, { name: 'apt', path: '/usr/bin/apt-get' });
  const eth0 = f.network.interfaces.find((i) => i.name === 'eth0');
  t.is(eth0?.kind, 'veth');
  t.regex(eth0?.addresses[0]?.address ?? '', /^10\.88\.\d+\.11$/);
  t.is(f.network.defaultRoute?.interface, 'eth0');
  t.true(f.mounts.some((m) => m.mountPoint === '/' && m.fsType === 'overlay'));
  t.true(f.users.some((u) => u.name === 'root' && u.home === '/root'));
  t.is(f.kernel.name, 'Linux');
  t.true(f.cpu.processors >= f.cpu.usable && f.cpu.usable >= 1);
});

test('Gentoo host (openrc-init as PID 1, real Portage): portage wins over the apt-get under it', (t) => {
  const f = recorded('gentoo');
  t.deepEqual(f.init, { system: 'openrc', pid1: 'openrc-init' });
  t.deepEqual(f.packageManager, { name: 'portage', path: '/usr/bin/emerge' });
  t.true(f.users.some((u) => u.name === 'portage' && u.uid === 250));
  t.true(f.groups.some((g) => g.name === 'portage' && g.gid === 250));
  t.true(f.memory.totalBytes > 0 && f.memory.availableBytes !== undefined);
  t.true(Array.isArray(f.blockDevices));
});
