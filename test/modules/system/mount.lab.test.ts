// mount on a lab host (base profile) with a real ext4 filesystem on a lab loop disk: fstab and the live mount, twice each, and --check.
import test from 'ava';
import { sh } from '../../../core/sh.ts';
import type { RunHost } from '../../../core/host.ts';
import { labDisk } from '../../../lab/index.ts';
import { mount } from '../../../modules/system/mount.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'mount', hosts: 1, profile: 'base' });
const labTest = labSerialTest(test);
const openHost = labHostOpener(test, lab);
let main: RunHost<Record<string, unknown>> | undefined;
const h = () => (main ??= openHost().host);
const DATA = {
  path: '/srv/data',
  src: '/dev/vdb',
  fstype: 'ext4',
  opts: 'noatime',
  passno: 2,
  state: 'mounted',
} as const;
const LINE = '/dev/vdb /srv/data ext4 noatime 0 2\n';

const fstab = async () => (await h().exec(sh`cat /etc/fstab`)).stdout;
/** The host's mount table for /srv/data, as findmnt sees it ('' when nothing is mounted there). */
const mounted = async () =>
  (await h().exec(sh`findmnt -n -o SOURCE,FSTYPE --mountpoint /srv/data`, { allowFail: true })).stdout.trim();

labTest('a loop disk with ext4 on it', async (t) => {
  t.is(await labDisk('mount', 'node1', '16M', { device: 'vdb' }), '/dev/vdb');
  await h().exec(sh`mkfs.ext4 -q -F /dev/vdb`);
  t.is((await h().exec(sh`blkid -o value -s TYPE /dev/vdb`)).stdout, 'ext4\n');
});

labTest('--check: reports fstab line and mount, changes neither', async (t) => {
  const before = await fstab();
  const r = await mount(openHost({ check: true }).host, DATA);
  t.like(r, { changed: true, mounted: true, message: '/etc/fstab: content changed; created /srv/data, mounted' });
  t.is(await fstab(), before);
  t.is(await mounted(), '');
  t.is((await h().exec(sh`test -d /srv/data`, { allowFail: true })).code, 1);
});

labTest('mounted: fstab line, directory and mount; then nothing to do', async (t) => {
  const before = await fstab();
  const r = await mount(h(), DATA);
  t.like(r, { changed: true, mounted: true });
  t.is(await fstab(), before + LINE);
  t.is(await mounted(), '/dev/vdb ext4');
  // really the disk: a file written there is on the filesystem, not in the overlay root
  await h().exec(sh`echo hi >/srv/data/probe && sync -f /srv/data/probe`);
  t.is((await h().exec(sh`debugfs -R 'cat /probe' /dev/vdb 2>/dev/null`)).stdout, 'hi\n');
  const again = await mount(h(), DATA);
  t.deepEqual(again, { changed: false, changes: [], mounted: true });
});

labTest('options changed while mounted: fstab rewritten and remounted; twice', async (t) => {
  const r = await mount(h(), { ...DATA, opts: 'noatime,nodev' });
  t.like(r, { changed: true, message: '/etc/fstab: content changed; remounted' });
  t.regex((await h().exec(sh`findmnt -n -o OPTIONS --mountpoint /srv/data`)).stdout, /\bnodev\b/);
  t.false((await mount(h(), { ...DATA, opts: 'noatime,nodev' })).changed);
});

labTest('unmounted keeps fstab; absent removes the line; each twice', async (t) => {
  t.like(await mount(h(), { path: '/srv/data', state: 'unmounted' }), { changed: true, mounted: false, changes: [] });
  t.is(await mounted(), '');
  t.regex(await fstab(), /^\/dev\/vdb \/srv\/data ext4 noatime,nodev 0 2$/m);
  t.false((await mount(h(), { path: '/srv/data', state: 'unmounted' })).changed);
  const gone = await mount(h(), { path: '/srv/data', state: 'absent' });
  t.like(gone, { changed: true, mounted: false });
  t.notRegex(await fstab(), /\/srv\/data/);
  t.false((await mount(h(), { path: '/srv/data', state: 'absent' })).changed);
});

labTest('something else mounted there is refused, not unmounted', async (t) => {
  await h().exec(sh`mount -t tmpfs scratch /srv/data`);
  await t.throwsAsync(mount(h(), DATA), {
    message: /\/srv\/data is mounted from scratch \(tmpfs\), not \/dev\/vdb \(ext4\): unmount it first/,
  });
  t.is(await mounted(), 'scratch tmpfs');
  await h().exec(sh`umount /srv/data`);
});
