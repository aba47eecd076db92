// Tests of the LVM report and blkid parsers on output recorded from real LVM on loop devices (test/fixtures/lvm/SOURCES.md).
import test from 'ava';
import { readFileSync } from 'node:fs';
import { humanBytes, parseBlkid, parseLvs, parseLvSize, parsePvs, parseVgs, roundToExtents } from '../../modules/lvm-report.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/lvm/${name}`, import.meta.url), 'utf8');

test('pvs: free PVs and PVs in a VG', (t) => {
  t.deepEqual(parsePvs(fixture('pvs-blank.out')), [
    { name: '/dev/loop0', vg: null, size: 67108864, free: 67108864, uuid: 'jbPl6Q-ovpf-I2qA-O38r-IxCr-lgkM-kw23K9' },
    { name: '/dev/loop1', vg: null, size: 67108864, free: 67108864, uuid: 'rJkCrF-g1fM-S4RM-QrGK-fOhs-bohf-yYUeeS' },
  ]);
  t.deepEqual(parsePvs(fixture('pvs-vg.out')).map((p) => [p.name, p.vg, p.size]), [
    ['/dev/loop0', 'drovertest', 62914560],
    ['/dev/loop1', 'drovertest', 62914560],
  ]);
  t.deepEqual(parsePvs(fixture('pvs-vg.err')), [], 'stderr noise yields no rows');
});

test('vgs: one PV, extended to two, and with LVs; noise lines mixed in are skipped', (t) => {
  t.deepEqual(parseVgs(fixture('vgs-one.out')), [
    { name: 'drovertest', pvCount: 1, lvCount: 0, size: 62914560, free: 62914560, extentSize: 4194304, uuid: 'VZYdYh-STIi-zZPQ-I0aJ-0f9W-pfaE-yubHH0' },
  ]);
  t.is(parseVgs(fixture('vgs-two.out'))[0].size, 125829120);
  const noisy = parseVgs(fixture('vgs-with-stderr-noise.out'));
  t.is(noisy.length, 1);
  t.deepEqual([noisy[0].lvCount, noisy[0].free], [2, 41943040]);
});

test('lvs: sizes before and after lvextend', (t) => {
  t.deepEqual(parseLvs(fixture('lvs.out')).map((l) => [l.vg, l.name, l.size, l.attr]), [
    ['drovertest', 'data', 41943040, '-wi-XX----'],
    ['drovertest', 'rest', 41943040, '-wi-XX----'],
  ]);
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

test('sizes', (t) => {
  t.deepEqual(parseLvSize('1G'), { bytes: 1073741824, text: '1073741824b' });
  t.is((parseLvSize('512m') as { bytes: number }).bytes, 512 * 1024 * 1024);
  t.deepEqual(parseLvSize('50%FREE'), { percent: 50, of: 'FREE', text: '50%FREE' });
  t.throws(() => parseLvSize('lots'), { message: /not an LVM size/ });
  t.throws(() => parseLvSize('150%VG'), { message: /percentage/ });
  t.is(roundToExtents(41943041, 4194304), 46137344);
  t.is(humanBytes(125829120), '120 MiB');
});
