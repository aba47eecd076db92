// lvm's probe: the real sections run by dash on this machine, hostile device names and answers, and parameter checks.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ProbeFormatError, ProbeFrame } from '../../core/probe-frame.ts';
import { ShellCommand } from '../../core/sh.ts';
import { checkDevice, checkLvmName, deviceProbe, deviceSections, deviceState, pvRows, pvsSection, vgRow, vgsSection } from '../../modules/lvm-probe.ts';
import { lvm } from '../../modules/lvm.ts';
import { localHost } from '../support/host.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/lvm/${name}`, import.meta.url), 'utf8');

function probeDevice(device: string) {
  const frame = new ProbeFrame();
  const out = execFileSync('dash', ['-c', deviceProbe(frame, device, '0').text]);
  return { frame, out, s: frame.parse(out, deviceSections(1)) };
}

test('a device name holding a newline and the old "@@REAL0 rc=0" cannot forge a block device (the framing alone, validation bypassed)', (t) => {
  const forged = '/dev/null\n@@REAL0 rc=0';
  const { s } = probeDevice(forged);
  t.is(s.status('REAL0'), 1, 'not a block device: the status is the real one');
  t.is(s.text('REAL0'), `${forged}\n`, 'readlink -f printed the name, which stays content');
  t.throws(() => deviceState(s, forged, '0', []), { instanceOf: ProbeFormatError, message: /readlink -f .* printed/ });
});

test('a real non-block device and a missing one: not a block device, reported as they are', (t) => {
  const d = deviceState(probeDevice('/dev/null').s, '/dev/null', '0', []);
  t.deepEqual(d, { device: '/dev/null', real: '/dev/null', isBlock: false, signature: undefined, pv: undefined });
  const missing = deviceState(probeDevice('/dev/drover-none').s, '/dev/drover-none', '0', []);
  t.false(missing.isBlock);
});

test('recorded pvs/vgs/blkid output inside sections parses as before; noise around them is refused', (t) => {
  const frame = new ProbeFrame();
  const answer = frame.render([
    ['VGS', fixture('vgs-one.out')],
    ['PVS', fixture('pvs-vg.out')],
    ['REAL0', '/dev/vdb\n'],
    ['BLKID0', fixture('blkid-ext4.out')],
  ]);
  const s = frame.parse(answer, ['VGS', 'PVS', ...deviceSections(1)]);
  const pvs = pvRows(s);
  t.true(pvs.length > 0);
  const name = pvs.find((p) => p.vg)?.vg ?? '';
  t.is(vgRow(s, name)?.name, name);
  const d = deviceState(s, '/dev/vdb', '0', pvs);
  t.true(d.isBlock);
  t.like(d.signature, { blank: false, type: 'ext4' });
  for (const bad of [
    Buffer.concat([Buffer.from('@@REAL0\n/dev/vdb\n@@REAL0 rc=0\n'), answer]),
    Buffer.concat([answer, Buffer.from('  /dev/vdc||67108864|67108864|x\n')]),
    answer.subarray(0, answer.length - 1),
  ]) {
    t.throws(() => frame.parse(bad, ['VGS', 'PVS', ...deviceSections(1)]), { instanceOf: ProbeFormatError });
  }
});

test('blkid failing (not 0 or 2) on a block device is an error naming the device', (t) => {
  const frame = new ProbeFrame();
  const s = frame.parse(frame.render([['REAL0', '/dev/vdb\n'], ['BLKID0', '', 4]]), deviceSections(1));
  t.throws(() => deviceState(s, '/dev/vdb', '0', []), { message: /blkid -p \/dev\/vdb exited with 4/ });
});

test('the pvs/vgs sections run by dash parse even where LVM is missing or sees nothing', (t) => {
  const frame = new ProbeFrame();
  const out = execFileSync('dash', ['-c', ShellCommand.join([vgsSection(frame, 'vg0'), pvsSection(frame)]).text]);
  const s = frame.parse(out, ['VGS', 'PVS']);
  t.is(vgRow(s, 'vg0'), undefined);
});

test('device paths: absolute under /dev, normalised, no control characters', async (t) => {
  for (const bad of ['/dev/null\n@@REAL0 rc=0', 'vdb', '/tmp/x', '/dev/', '/dev//vdb', '/dev/./vdb', '/dev/../etc/passwd', '/dev/vdb/', '/dev/vd\0b', '/dev/vd\tb', '-/dev/x']) {
    t.throws(() => checkDevice(bad, 'lvm.pv'), { message: /lvm.pv: device must be a normalised absolute path under \/dev/ }, JSON.stringify(bad));
  }
  for (const good of ['/dev/vdb', '/dev/disk/by-id/ata-X_Y-Z', '/dev/mapper/vg-lv', '/dev/loop0p1']) t.notThrows(() => checkDevice(good, 'x'));
  const h = localHost({ check: true }).host;
  await t.throwsAsync(lvm.pv(h, { device: '/dev/null\n@@REAL0 rc=0' }), { message: /device must be a normalised absolute path/ });
  await t.throwsAsync(lvm.vg(h, { name: 'vg0', devices: ['/dev/vdb', '/dev/../x'] }), { message: /lvm.vg vg0: devices\[1\]: device must be/ });
});

test('VG and LV names: LVM characters, never a leading dash, never . or ..', async (t) => {
  for (const bad of ['-x', '--help', '.', '..', 'a b', 'a/b', '', 'x\n']) t.throws(() => checkLvmName(bad, 'lvm.vg', 'name'), { message: /lvm.vg: name .* is not a valid LVM name/ });
  for (const good of ['vg0', 'ganeti', 'a.b', '+x', '_y', 'a-b']) t.notThrows(() => checkLvmName(good, 'lvm.vg', 'name'));
  const h = localHost({ check: true }).host;
  await t.throwsAsync(lvm.lv(h, { vg: '--help', name: 'x', size: '1G' }), { message: /lvm.lv: vg "--help" is not a valid LVM name/ });
});
