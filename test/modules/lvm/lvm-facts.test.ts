// lvm's facts: the real probe sections run by dash on this machine, hostile device names and answers, and the report/blkid parsers on recorded real output (test/fixtures/lvm/SOURCES.md).
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import { ShellCommand } from '../../../core/sh.ts';
import {
  deviceProbe,
  deviceSections,
  deviceState,
  parseBlkid,
  parseLvs,
  parsePvs,
  parseVgs,
  pvRows,
  pvsSection,
  vgRow,
  vgsSection,
} from '../../../modules/lvm/lvm-facts.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/lvm/${name}`, import.meta.url), 'utf8');

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
  const s = frame.parse(
    frame.render([
      ['REAL0', '/dev/vdb\n'],
      ['BLKID0', '', 4],
    ]),
    deviceSections(1),
  );
  t.throws(() => deviceState(s, '/dev/vdb', '0', []), { message: /blkid -p \/dev\/vdb exited with 4/ });
});

test('the pvs/vgs sections run by dash parse even where LVM is missing or sees nothing', (t) => {
  const frame = new ProbeFrame();
  const out = execFileSync('dash', ['-c', ShellCommand.join([vgsSection(frame, 'vg0'), pvsSection(frame)]).text]);
  const s = frame.parse(out, ['VGS', 'PVS']);
  t.is(vgRow(s, 'vg0'), undefined);
});

test('pvs: free PVs and PVs in a VG', (t) => {
  t.deepEqual(parsePvs(fixture('pvs-blank.out')), [
    { name: '/dev/loop0', vg: null, size: 67108864, free: 67108864, uuid: 'jbPl6Q-ovpf-I2qA-O38r-IxCr-lgkM-kw23K9' },
    { name: '/dev/loop1', vg: null, size: 67108864, free: 67108864, uuid: 'rJkCrF-g1fM-S4RM-QrGK-fOhs-bohf-yYUeeS' },
  ]);
  t.deepEqual(
    parsePvs(fixture('pvs-vg.out')).map((p) => [p.name, p.vg, p.size]),
    [
      ['/dev/loop0', 'drovertest', 62914560],
      ['/dev/loop1', 'drovertest', 62914560],
    ],
  );
  t.deepEqual(parsePvs(fixture('pvs-vg.err')), [], 'stderr noise yields no rows');
});

test('vgs: one PV, extended to two, and with LVs; noise lines mixed in are skipped', (t) => {
  t.deepEqual(parseVgs(fixture('vgs-one.out')), [
    {
      name: 'drovertest',
      pvCount: 1,
      lvCount: 0,
      size: 62914560,
      free: 62914560,
      extentSize: 4194304,
      uuid: 'VZYdYh-STIi-zZPQ-I0aJ-0f9W-pfaE-yubHH0',
    },
  ]);
  t.is(parseVgs(fixture('vgs-two.out'))[0].size, 125829120);
  const noisy = parseVgs(fixture('vgs-with-stderr-noise.out'));
  t.is(noisy.length, 1);
  t.deepEqual([noisy[0].lvCount, noisy[0].free], [2, 41943040]);
});

test('lvs: sizes before and after lvextend', (t) => {
  t.deepEqual(
    parseLvs(fixture('lvs.out')).map((l) => [l.vg, l.name, l.size, l.attr]),
    [
      ['drovertest', 'data', 41943040, '-wi-XX----'],
      ['drovertest', 'rest', 41943040, '-wi-XX----'],
    ],
  );
  t.is(parseLvs(fixture('lvs-extended.out'))[0].size, 50331648);
});

test('blkid -p: ext4 found (exit 0), blank (exit 2), error otherwise', (t) => {
  const [ext4, rc] = fixture('blkid-ext4.out').split('\nrc=');
  const sig = parseBlkid(ext4, Number(rc));
  t.false(sig.blank);
  t.is(sig.type, 'ext4');
  t.is(sig.usage, 'filesystem');
  t.is(sig.uuid, 'cc08c209-b0c3-43f3-9b7d-f8dd31f20c67');
  const [blank, rc2] = fixture('blkid-blank.out').split('rc=');
  t.true(parseBlkid(blank, Number(rc2)).blank);
  t.is(parseBlkid('TYPE=LVM2_member\nUSAGE=raid\n', 0).type, 'LVM2_member', '-o export form');
  t.throws(() => parseBlkid('', 4), { message: /exited with 4/ });
});
