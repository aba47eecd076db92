// lvm modules against a lab host (gentoo profile: real LVM2 in metadata-only mode on loop disks).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { labDisk, labExec } from '../../../lab/index.ts';
import { diskRoot } from '../../../lab/paths.ts';
import { lvm } from '../../../modules/lvm/lvm.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';
import { countExecs } from '../../support/host.ts';

const lab = useLab(test, { name: 'lvm', hosts: 1, profile: 'gentoo' });
const labTest = labSerialTest(test);
const openHost = labHostOpener(test, lab);
const host = (opts: { check?: boolean } = {}) => openHost(opts).host;

const counted = countExecs;

async function sh(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return labExec(lab(), 'node1', ['sh', '-c', script]);
}

/** The machine-side loop device behind a lab disk (for mkfs and mount from outside the host). */
function loopOf(device: string): string {
  const file = path.join(diskRoot, 'lvm', `node1-${path.basename(device)}.img`);
  const out = spawnSync('losetup', ['-j', file], { encoding: 'utf8' }).stdout;
  const m = /^(\/dev\/loop\d+):/m.exec(out);
  if (!m) throw new Error(`no loop device for ${file}`);
  return m[1];
}

labTest('filter: global_filter added inside devices {, idempotent, rest of lvm.conf byte-identical', async (t) => {
  const before = (await sh('cat /etc/lvm/lvm.conf')).stdout;
  const chk = await lvm.filter(host({ check: true }), { reject: ['^/dev/drbd[0-9]+$'] });
  t.true(chk.changed);
  t.is((await sh('cat /etc/lvm/lvm.conf')).stdout, before);
  const r = await lvm.filter(host(), { reject: ['^/dev/drbd[0-9]+$'] });
  t.true(r.changed);
  const after = (await sh('cat /etc/lvm/lvm.conf')).stdout;
  const line = '\tglobal_filter = [ "r|^/dev/drbd[0-9]+$|", "a|.*|" ]\n';
  t.true(after.includes('\ndevices {\n' + line));
  t.is(after.replace(line, ''), before);
  t.deepEqual(r.changes, [{ path: '/etc/lvm/lvm.conf', before, after }]);
  const h = host();
  const trips = counted(h);
  t.false((await lvm.filter(h, { reject: ['^/dev/drbd[0-9]+$'] })).changed);
  t.is(trips.n, 1);
  t.is((await sh('cat /etc/lvm/lvm.conf')).stdout, after);
  // LVM itself accepts the edited file.
  t.is((await sh('lvmconfig devices/global_filter')).stdout.trim(), 'global_filter=["r|^/dev/drbd[0-9]+$|","a|.*|"]');
});

labTest('pv on a blank disk; second run is a one-round-trip no-op; --check changes nothing', async (t) => {
  t.is(await labDisk('lvm', 'node1', '64M', { device: 'vdb' }), '/dev/vdb');
  const chk = await lvm.pv(host({ check: true }), { device: '/dev/vdb' });
  t.true(chk.changed);
  t.is((await sh('blkid -p /dev/vdb')).code, 2, 'still blank after --check');
  const r = await lvm.pv(host(), { device: '/dev/vdb' });
  t.true(r.changed);
  t.is(r.size, 67108864);
  t.regex((await sh('blkid -p /dev/vdb')).stdout, /TYPE="LVM2_member"/);
  const h = host();
  const trips = counted(h);
  const r2 = await lvm.pv(h, { device: '/dev/vdb' });
  t.false(r2.changed);
  t.is(r2.vg, null);
  t.is(trips.n, 1);
});

labTest('pv refuses a disk holding an ext4 filesystem, which still mounts afterwards', async (t) => {
  t.is(await labDisk('lvm', 'node1', '64M', { device: 'vdd' }), '/dev/vdd');
  const loop = loopOf('/dev/vdd');
  t.is(spawnSync('mkfs.ext4', ['-q', '-L', 'keepme', loop]).status, 0);
  const err = await t.throwsAsync(lvm.pv(host(), { device: '/dev/vdd' }));
  t.regex(
    err!.message,
    /refusing to create a physical volume: \/dev\/vdd holds a ext4 filesystem \(blkid -p: .*TYPE=ext4.*\)\. Pass force: true to wipe it\./,
  );
  const err2 = await t.throwsAsync(lvm.vg(host(), { name: 'other', devices: ['/dev/vdd'] }));
  t.regex(err2!.message, /refusing to use \/dev\/vdd holds a ext4 filesystem/);
  const mnt = mkdtempSync(path.join(tmpdir(), 'drover-lvm-ext4-'));
  try {
    const m = spawnSync('mount', ['-o', 'ro', loop, mnt], { encoding: 'utf8' });
    t.is(m.status, 0, m.stderr);
    t.true(spawnSync('ls', [path.join(mnt, 'lost+found')]).status === 0);
  } finally {
    spawnSync('umount', [mnt]);
    rmdirSync(mnt);
  }
  t.is(spawnSync('blkid', ['-p', '-s', 'LABEL', '-o', 'value', loop], { encoding: 'utf8' }).stdout.trim(), 'keepme');
});

labTest('vg create, extend with a second disk, never shrink; sizes reported', async (t) => {
  t.is(await labDisk('lvm', 'node1', '64M', { device: 'vdc' }), '/dev/vdc');
  const r = await lvm.vg(host(), { name: 'ganeti', devices: ['/dev/vdb'] });
  t.true(r.changed);
  t.is(r.size, 62914560);
  t.deepEqual(r.pvs, ['/dev/vdb']);
  const h = host();
  const trips = counted(h);
  t.false((await lvm.vg(h, { name: 'ganeti', devices: ['/dev/vdb'] })).changed);
  t.is(trips.n, 1);
  const chk = await lvm.vg(host({ check: true }), { name: 'ganeti', devices: ['/dev/vdb', '/dev/vdc'] });
  t.true(chk.changed);
  t.is((await sh('blkid -p /dev/vdc')).code, 2, '--check did not touch vdc');
  const ext = await lvm.vg(host(), { name: 'ganeti', devices: ['/dev/vdb', '/dev/vdc'] });
  t.true(ext.changed);
  t.regex(ext.message!, /^vgextend ganeti \/dev\/vdc: 120 MiB, 120 MiB free$/);
  t.is(ext.size, 125829120);
  const less = await lvm.vg(host(), { name: 'ganeti', devices: ['/dev/vdb'] });
  t.false(less.changed);
  t.regex(less.message!, /also holds \/dev\/vdc, kept/);
  t.regex((await sh(`vgs --noheadings -o pv_count ganeti 2>/dev/null`)).stdout, /^\s*2\s*$/);
});

labTest('lv create, grow, never shrink; percentage on create; VG with LVs is not removed', async (t) => {
  const r = await lvm.lv(host(), { vg: 'ganeti', name: 'data', size: '16M' });
  t.true(r.changed);
  t.is(r.size, 16 * 1024 * 1024);
  t.false((await lvm.lv(host(), { vg: 'ganeti', name: 'data', size: '16M' })).changed);
  const grow = await lvm.lv(host(), { vg: 'ganeti', name: 'data', size: '24M' });
  t.true(grow.changed);
  t.is(grow.size, 24 * 1024 * 1024);
  const smaller = await lvm.lv(host(), { vg: 'ganeti', name: 'data', size: '8M' });
  t.false(smaller.changed);
  t.regex(smaller.message!, /larger than 8M: never shrunk/);
  const pct = await lvm.lv(host(), { vg: 'ganeti', name: 'half', size: '50%FREE' });
  t.true(pct.changed);
  t.is(pct.size, 48 * 1024 * 1024);
  await t.throwsAsync(lvm.lv(host(), { vg: 'ganeti', name: 'huge', size: '1G' }), { message: /has 48 MiB free/ });
  // Layered once: the wrapper says module, host and call site; the module only what is wrong.
  await t.throwsAsync(lvm.vg(host(), { name: 'ganeti', devices: [], state: 'absent' }), {
    message:
      /^lvm\.vg failed on \S+ \(.*lvm\.lab\.test\.ts:\d+(:\d+)?\): ganeti still holds 2 logical volume\(s\); remove them first$/,
  });
});
