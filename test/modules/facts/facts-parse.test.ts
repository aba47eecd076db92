// The fact parsers on text fixtures of several distributions (os-release, cpuinfo, meminfo, ip -j, mounts, lsblk -J, getent).
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { ProbeFrame } from '../../../core/probe-frame.ts';
import { parseGroup, parsePasswd } from '../../../modules/facts/accounts.ts';
import { FactError } from '../../../modules/facts/fact.ts';
import { parseCpu, parseMeminfo } from '../../../modules/facts/hardware.ts';
import { parseNetwork } from '../../../modules/facts/network.ts';
import { osFact, osFromRelease, parseOsRelease } from '../../../modules/facts/os.ts';
import { parseLsblk, parseMounts } from '../../../modules/facts/storage.ts';
import { initFact, packageManagerFact, parsePackageManager } from '../../../modules/facts/system.ts';

const dir = path.join(import.meta.dirname, '../../fixtures/facts');
const fixture = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');

test('os-release of seven distributions: id, family, version, codename', (t) => {
  const seen = Object.fromEntries(
    fs.readdirSync(path.join(dir, 'os-release')).map((f) => {
      const o = osFromRelease(fixture(`os-release/${f}`));
      return [f, [o.id, o.family, o.versionId ?? '-', o.codename ?? '-', o.prettyName]];
    }),
  );
  t.deepEqual(seen, {
    'debian-12': ['debian', 'debian', '12', 'bookworm', 'Debian GNU/Linux 12 (bookworm)'],
    gentoo: ['gentoo', 'gentoo', '2.14', '-', 'Gentoo Linux'],
    'ubuntu-22.04': ['ubuntu', 'debian', '22.04', 'jammy', 'Ubuntu 22.04.4 LTS'],
    'rocky-9': ['rocky', 'redhat', '9.3', '-', 'Rocky Linux 9.3 (Blue Onyx)'],
    'alpine-3.19': ['alpine', 'alpine', '3.19.1', '-', 'Alpine Linux v3.19'],
    'opensuse-leap-15.5': ['opensuse-leap', 'suse', '15.5', '-', 'openSUSE Leap 15.5'],
    arch: ['arch', 'arch', '-', '-', 'Arch Linux'],
  });
  t.deepEqual(osFromRelease(fixture('os-release/rocky-9')).idLike, ['rhel', 'centos', 'fedora']);
  t.is(osFromRelease(fixture('os-release/rocky-9')).fields.SUPPORT_END, '2032-05-31');
});

test('os-release quoting: double quotes with escapes, single quotes, comments, junk lines skipped', (t) => {
  t.deepEqual(parseOsRelease('# c\nA="x \\"y\\" \\$z \\\\ \\`q\\`"\nB=\'a b\'\nC=plain\nnot a line\n\nD=""\n'), {
    A: 'x "y" $z \\ `q`',
    B: 'a b',
    C: 'plain',
    D: '',
  });
  const bare = osFromRelease('VERSION_ID=1\n');
  t.is(bare.id, 'linux');
  t.is(bare.name, 'Linux');
  t.is(bare.family, 'other');
});

test('os: a host without os-release is an error naming the files', (t) => {
  const frame = new ProbeFrame();
  const s = frame.parse(frame.render([['os.release', 'cat: /usr/lib/os-release: No such file or directory', 1]]));
  const err = t.throws(() => osFact.parse(s), { instanceOf: FactError });
  t.regex(err.message, /^fact os: no \/etc\/os-release or \/usr\/lib\/os-release: exit 1/);
});

test('cpu: an ARM cpuinfo (no model name, Model at the end) and nproc', (t) => {
  t.deepEqual(parseCpu(fixture('cpuinfo-arm64-rpi4'), '2\n'), {
    processors: 4,
    usable: 2,
    model: 'Raspberry Pi 4 Model B Rev 1.4',
  });
  t.throws(() => parseCpu('', '1'), { message: 'fact cpu: /proc/cpuinfo lists no processor' });
  t.throws(() => parseCpu('processor : 0\n', 'nproc: x'), { message: /fact cpu: nproc is not a number/ });
});

test('memory: a 2.6 kernel without MemAvailable; bytes from kB', (t) => {
  t.deepEqual(parseMeminfo(fixture('meminfo-centos6')), {
    totalBytes: 1922048 * 1024,
    freeBytes: 115392 * 1024,
    swapTotalBytes: 4128764 * 1024,
    swapFreeBytes: 4128764 * 1024,
  });
  t.throws(() => parseMeminfo('MemFree: 1 kB\n'), { message: 'fact memory: /proc/meminfo has no MemTotal line' });
});

test('network: a bridge with a NIC and a tap, a secondary address, a down NIC, both default routes', (t) => {
  const n = parseNetwork(
    fixture('ip-addr-bridge.json'),
    fixture('ip-route-default.json'),
    fixture('ip-route6-default.json'),
  );
  t.deepEqual(
    n.interfaces.map((i) => [i.name, i.kind ?? '-', i.master ?? '-', i.up, i.operState]),
    [
      ['lo', '-', '-', true, 'UNKNOWN'],
      ['eno1', '-', 'br0', true, 'UP'],
      ['eno2', '-', '-', true, 'DOWN'],
      ['br0', 'bridge', '-', true, 'UP'],
      ['tap0', 'tun', 'br0', true, 'UNKNOWN'],
    ],
  );
  t.deepEqual(n.bridges, [{ name: 'br0', ports: ['eno1', 'tap0'] }]);
  t.deepEqual(n.interfaces[3].addresses, [
    { family: 'inet', address: '192.0.2.21', prefix: 24, scope: 'global' },
    { family: 'inet', address: '192.0.2.100', prefix: 32, scope: 'global' },
    { family: 'inet6', address: 'fe80::3eec:efff:fe12:3456', prefix: 64, scope: 'link' },
  ]);
  t.is(n.interfaces[1].mac, '3c:ec:ef:12:34:56');
  t.deepEqual(n.defaultRoute, { gateway: '192.0.2.1', interface: 'br0' });
  t.deepEqual(n.defaultRoute6, { gateway: 'fe80::1', interface: 'br0' });
  const none = parseNetwork('[]', '[]\n', '');
  t.false('defaultRoute' in none);
  t.throws(() => parseNetwork('Object "addr" is unknown', '[]', '[]'), {
    message: /^fact network: ip -j addr printed no valid JSON/,
  });
  t.throws(() => parseNetwork('[{"ifindex":1}]', '[]', '[]'), { message: /a link without ifname/ });
});

test('mounts: octal escapes (space, backslash) decoded; a short line is an error', (t) => {
  const m = parseMounts(fixture('mounts-escapes'));
  t.deepEqual(
    m.map((x) => [x.device, x.mountPoint, x.fsType]),
    [
      ['/dev/sda1', '/', 'ext4'],
      ['proc', '/proc', 'proc'],
      ['/dev/sdb1', '/mnt/my disk', 'vfat'],
      ['server:/export/home', '/home', 'nfs4'],
      ['/dev/mapper/vg0-data', '/srv/back\\slash', 'xfs'],
    ],
  );
  t.deepEqual(m[0].options, ['rw', 'relatime', 'errors=remount-ro']);
  t.throws(() => parseMounts('garbage\n'), { instanceOf: FactError });
});

test('blockDevices: lsblk 2.32 (every value a string) with partitions and LVs nested', (t) => {
  const d = parseLsblk(fixture('lsblk-util-linux-2.32.json'));
  t.is(d.length, 2);
  t.deepEqual(
    [d[0].name, d[0].sizeBytes, d[0].readOnly, d[0].children.length, d[1].type, d[1].removable],
    ['sda', 21474836480, false, 2, 'rom', true],
  );
  const root = d[0].children[1].children[0];
  t.deepEqual(root, {
    name: 'cl-root',
    path: '/dev/mapper/cl-root',
    type: 'lvm',
    sizeBytes: 18249416704,
    readOnly: false,
    removable: false,
    fsType: 'xfs',
    uuid: '0b0d6f3a-7d4c-4c55-8a7c-2e1f3d4c5b6a',
    mountPoint: '/',
    children: [],
  });
  t.throws(() => parseLsblk('{}'), { message: 'fact blockDevices: lsblk -J: no "blockdevices" list' });
});

test('users and groups: getent lines; NIS compat lines skipped; a bad id or field count is an error', (t) => {
  const u = parsePasswd(`${fixture('getent-passwd')}+@netgroup::::::\n`);
  t.deepEqual(u[3], {
    name: 'alice',
    uid: 1000,
    gid: 1000,
    gecos: 'Alice Example,,,',
    home: '/home/alice',
    shell: '/bin/bash',
  });
  t.is(u.length, 4);
  const g = parseGroup(fixture('getent-group'));
  t.deepEqual(g[1], { name: 'wheel', gid: 10, members: ['root', 'alice'] });
  t.deepEqual(g[3].members, []);
  t.throws(() => parsePasswd('a:x:1:1:b:/h\n'), { instanceOf: FactError });
  t.throws(() => parseGroup('a:x:-1:\n'), { message: /fact groups: bad id/ });
});

test('init and packageManager: the probe words; emerge wins over apt-get (the lab gentoo host has both)', (t) => {
  const frame = new ProbeFrame();
  const s = frame.parse(
    frame.render([
      ['init.system', 'openrc'],
      ['init.pid1', 'openrc-init\n'],
      ['packageManager.portage', '/usr/bin/emerge\n'],
      ['packageManager.apt', '/usr/bin/apt-get\n'],
      ...['dnf', 'yum', 'zypper', 'pacman', 'apk'].map((n) => [`packageManager.${n}`, '', 1] as const),
    ]),
    [...initFact.sections, ...packageManagerFact.sections],
  );
  t.deepEqual(initFact.parse(s), { system: 'openrc', pid1: 'openrc-init' });
  t.deepEqual(packageManagerFact.parse(s), { name: 'portage', path: '/usr/bin/emerge' });
  const none = Array.from({ length: 7 }, () => ({ status: 1, text: '' }));
  t.deepEqual(parsePackageManager(none), { name: 'unknown' });
  const odd = none.map((x, i) => (i === 1 ? { status: 0, text: 'apt-get: aliased to x' } : x));
  t.throws(() => parsePackageManager(odd), { message: /fact packageManager: command -v apt-get printed/ });
  const bad = frame.parse(
    frame.render([
      ['init.system', 'upstart'],
      ['init.pid1', ''],
    ]),
  );
  t.throws(() => initFact.parse(bad), { message: 'fact init: init system "upstart"' });
});
