// lvm.pv / lvm.vg / lvm.lv / lvm.filter planned from recorded probe answers (real pvs/vgs/lvs/blkid output, test/fixtures/lvm): no host.
import test from 'ava';
import { readFileSync } from 'node:fs';
import type { ProbeFacts } from '../../../core/module.ts';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import { filterFacts, lvFacts, pvFacts, vgFacts } from '../../../modules/lvm/lvm-facts.ts';
import {
  checkDevice,
  checkLvmName,
  humanBytes,
  parseLvSize,
  planLv,
  planPv,
  planVg,
  roundToExtents,
} from '../../../modules/lvm/lvm-plan.ts';
import { lvm } from '../../../modules/lvm/lvm.ts';
import { localHost } from '../../support/host.ts';
import { planFromAnswer, type Answer } from '../../../modules/kit.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/lvm/${name}`, import.meta.url), 'utf8');
const EXT4 = fixture('blkid-ext4.out').split('\nrc=')[0];
const display = (c: unknown) => (c && typeof c === 'object' && 'display' in c ? (c as { display: string }).display : c);

/** The module's own parse of a recorded answer (to reach the pure planner's command and read-back). */
function factsOf<P, F>(facts: ProbeFacts<P, F>, p: P, answer: Answer): F {
  const frame = new ProbeFrame();
  return facts.parse(frame.parse(frame.render(answer), facts.sections?.(p)), p);
}

/** A device's sections: its canonical path (rc 0 = block device) and blkid -p (rc 2 = blank). */
const dev = (key: number, real: string, blkid: [string, number] = ['', 2], block = true): Answer => [
  [`REAL${key}`, `${real}\n`, block ? 0 : 1],
  [`BLKID${key}`, block ? blkid[0] : '', block ? blkid[1] : 0],
];

// ---- lvm.pv ----

test('pv: a blank block device gets pvcreate; the size is read back from pvs', (t) => {
  const p = { device: '/dev/loop0' };
  const answer: Answer = [...dev(0, '/dev/loop0'), ['PVS', '']];
  const plan = planFromAnswer(lvm.pv, p, answer);
  t.deepEqual(plan.result, { changed: true, message: 'pvcreate /dev/loop0', vg: null, size: null });
  const pure = planPv(p, factsOf(pvFacts, p, answer));
  t.is(display(pure.apply), 'pvcreate -- /dev/loop0');
  t.deepEqual(
    pure.readBack!(
      factsOf(pvFacts, p, [...dev(0, '/dev/loop0', ['TYPE=LVM2_member\n', 0]), ['PVS', fixture('pvs-blank.out')]]),
    ),
    { size: 67108864 },
  );
});

test('pv: already a PV (found through its canonical path): nothing to do, its VG and size reported', (t) => {
  const plan = planFromAnswer(lvm.pv, { device: '/dev/disk/by-id/x' }, [
    ...dev(0, '/dev/loop1', ['TYPE=LVM2_member\n', 0]),
    ['PVS', fixture('pvs-vg.out')],
  ]);
  t.deepEqual(plan.result, { changed: false, vg: 'drovertest', size: 62914560 });
  t.is(plan.apply, undefined);
});

test('pv: a device holding a filesystem signature is never wiped unless force', (t) => {
  const answer: Answer = [...dev(0, '/dev/vdd', [EXT4, 0]), ['PVS', '']];
  t.throws(() => planFromAnswer(lvm.pv, { device: '/dev/vdd' }, answer), {
    message:
      'refusing to create a physical volume: /dev/vdd holds a ext4 filesystem (blkid -p: UUID=cc08c209-b0c3-43f3-9b7d-f8dd31f20c67 TYPE=ext4 USAGE=filesystem). Pass force: true to wipe it.',
  });
  const forced = planPv({ device: '/dev/vdd', force: true }, factsOf(pvFacts, { device: '/dev/vdd' }, answer));
  t.is(forced.result.message, 'pvcreate /dev/vdd (forced: wiping its signature)');
  t.is(display(forced.apply), 'pvcreate -ff -y -- /dev/vdd');
});

test('pv: an LVM label of a VG this host does not show is refused too; a non-block device even with force', (t) => {
  t.throws(
    () =>
      planFromAnswer(lvm.pv, { device: '/dev/vdb' }, [
        ...dev(0, '/dev/vdb', ['TYPE=LVM2_member\nUSAGE=raid\n', 0]),
        ['PVS', ''],
      ]),
    {
      message: /holds an LVM physical volume label \(of a VG this host does not show, or filtered out\)/,
    },
  );
  t.throws(
    () =>
      planFromAnswer(lvm.pv, { device: '/dev/null', force: true }, [
        ...dev(0, '/dev/null', ['', 0], false),
        ['PVS', ''],
      ]),
    {
      message: 'refusing to create a physical volume: /dev/null is not a block device.',
    },
  );
});

test('pv: odd answers: noise in the pvs section is skipped, a two-line readlink or a failing blkid is an error', (t) => {
  const noisy = planFromAnswer(lvm.pv, { device: '/dev/loop0' }, [
    ...dev(0, '/dev/loop0', ['TYPE=LVM2_member\n', 0]),
    ['PVS', fixture('pvs-vg.err') + fixture('pvs-vg.out')],
  ]);
  t.like(noisy.result, { changed: false, vg: 'drovertest' });
  t.throws(
    () =>
      planFromAnswer(lvm.pv, { device: '/dev/vdb' }, [
        ['REAL0', '/dev/vdb\n/dev/sda\n'],
        ['BLKID0', '', 2],
        ['PVS', ''],
      ]),
    {
      instanceOf: ProbeFormatError,
      message: /readlink -f "\/dev\/vdb" printed/,
    },
  );
  t.throws(() => planFromAnswer(lvm.pv, { device: '/dev/vdb' }, [...dev(0, '/dev/vdb', ['', 4]), ['PVS', '']]), {
    message: 'blkid -p /dev/vdb exited with 4; cannot tell whether it is blank',
  });
});

// ---- lvm.vg ----

const FREE_PVS = fixture('pvs-blank.out'); // /dev/loop0 and /dev/loop1, both PVs in no VG

test('vg: created from a free PV; sizes read back from vgs after vgcreate', (t) => {
  const p = { name: 'drovertest', devices: ['/dev/loop0'] };
  const answer: Answer = [['VGS', ''], ['PVS', FREE_PVS], ...dev(0, '/dev/loop0', ['TYPE=LVM2_member\n', 0])];
  const plan = planFromAnswer(lvm.vg, p, answer);
  t.deepEqual(plan.result, {
    changed: true,
    message: 'vgcreate drovertest /dev/loop0',
    size: null,
    free: null,
    pvs: [],
  });
  const pure = planVg(p, factsOf(vgFacts, p, answer));
  t.is(display(pure.apply), 'vgcreate -- drovertest /dev/loop0');
  const after = factsOf(vgFacts, p, [
    ['VGS', fixture('vgs-one.out')],
    ['PVS', fixture('pvs-vg.out')],
    ...dev(0, '/dev/loop0', ['TYPE=LVM2_member\n', 0]),
  ]);
  t.deepEqual(pure.readBack!(after), {
    message: 'vgcreate drovertest /dev/loop0: 60 MiB, 60 MiB free',
    size: 62914560,
    free: 62914560,
    pvs: ['/dev/loop0', '/dev/loop1'],
  });
  t.throws(() => pure.readBack!({ ...after, vg: undefined }), {
    message: 'vgcreate drovertest /dev/loop0 succeeded but vgs does not show drovertest',
  });
});

test('vg: extended with a second PV; nothing to do when all are members; a member not listed is kept and said', (t) => {
  const oneIn = FREE_PVS.replace('/dev/loop0||', '/dev/loop0|drovertest|');
  const p = { name: 'drovertest', devices: ['/dev/loop0', '/dev/loop1'] };
  const answer: Answer = [
    ['VGS', fixture('vgs-one.out')],
    ['PVS', oneIn],
    ...dev(0, '/dev/loop0', ['TYPE=LVM2_member\n', 0]),
    ...dev(1, '/dev/loop1', ['TYPE=LVM2_member\n', 0]),
  ];
  const ext = planFromAnswer(lvm.vg, p, answer);
  t.like(ext.result, { changed: true, message: 'vgextend drovertest /dev/loop1', size: 62914560, pvs: ['/dev/loop0'] });
  const pure = planVg(p, factsOf(vgFacts, p, answer));
  t.is(display(pure.apply), 'vgextend -- drovertest /dev/loop1');
  t.like(
    pure.readBack!(
      factsOf(vgFacts, p, [['VGS', fixture('vgs-two.out')], ['PVS', fixture('pvs-vg.out')], ...answer.slice(2)]),
    ),
    { message: 'vgextend drovertest /dev/loop1: 120 MiB, 120 MiB free', size: 125829120 },
  );

  const both: Answer = [['VGS', fixture('vgs-two.out')], ['PVS', fixture('pvs-vg.out')], ...answer.slice(2)];
  t.deepEqual(planFromAnswer(lvm.vg, p, both).result, {
    changed: false,
    size: 125829120,
    free: 125829120,
    pvs: ['/dev/loop0', '/dev/loop1'],
    message: undefined,
  });
  const less = planFromAnswer(lvm.vg, { name: 'drovertest', devices: ['/dev/loop0'] }, both.slice(0, 4));
  t.false(less.result.changed);
  t.is(less.result.message, '(also holds /dev/loop1, kept: never shrunk implicitly)');
});

test('vg: a PV of another VG is never moved; a device with a filesystem is never used', (t) => {
  const p = { name: 'other', devices: ['/dev/loop0'] };
  t.throws(
    () =>
      planFromAnswer(lvm.vg, p, [
        ['VGS', ''],
        ['PVS', fixture('pvs-vg.out')],
        ...dev(0, '/dev/loop0', ['TYPE=LVM2_member\n', 0]),
      ]),
    {
      message: '/dev/loop0 already belongs to volume group drovertest; refusing to move it into other',
    },
  );
  t.throws(
    () =>
      planFromAnswer(lvm.vg, { name: 'other', devices: ['/dev/vdd'] }, [
        ['VGS', ''],
        ['PVS', ''],
        ...dev(0, '/dev/vdd', [EXT4, 0]),
      ]),
    {
      message:
        /^refusing to use \/dev\/vdd holds a ext4 filesystem \(blkid -p: .*\)\. Make it a PV first with lvm.pv \(force: true to wipe\)$/,
    },
  );
});

test('vg absent: removed when empty, refused while it holds LVs (the message says only that), nothing when gone', (t) => {
  const p = { name: 'drovertest', devices: [], state: 'absent' as const };
  t.throws(
    () =>
      planFromAnswer(lvm.vg, p, [
        ['VGS', fixture('vgs-with-stderr-noise.out')],
        ['PVS', ''],
      ]),
    { message: 'drovertest still holds 2 logical volume(s); remove them first' },
  );
  const rm = planFromAnswer(lvm.vg, p, [
    ['VGS', fixture('vgs-two.out')],
    ['PVS', fixture('pvs-vg.out')],
  ]);
  t.deepEqual(rm.result, { changed: true, message: 'vgremove drovertest', size: null, free: null, pvs: [] });
  t.is(display(rm.apply), 'vgremove -- drovertest');
  t.deepEqual(
    planFromAnswer(lvm.vg, p, [
      ['VGS', ''],
      ['PVS', ''],
    ]).result,
    { changed: false, size: null, free: null, pvs: [] },
  );
});

test('vg params are checked before the host is touched, naming the parameter', (t) => {
  const none: Answer = [
    ['VGS', ''],
    ['PVS', ''],
  ];
  t.throws(() => planFromAnswer(lvm.vg, { name: 'vg0', devices: [] }, none), {
    message: 'devices must list at least one device',
  });
  t.throws(() => planFromAnswer(lvm.vg, { name: 'vg0', devices: ['/dev/vdb', '/dev/../x'] }, none), {
    message: /^devices\[1\] must be a normalised absolute path under \/dev/,
  });
  t.throws(() => planFromAnswer(lvm.vg, { name: '-x', devices: ['/dev/vdb'] }, none), {
    message: /^name "-x" is not a valid LVM name/,
  });
  t.throws(() => planFromAnswer(lvm.vg, { name: 'vg0', devices: ['/dev/vdb'], state: 'gone' as 'absent' }, none), {
    message: `state must be 'present' or 'absent', got "gone"`,
  });
});

// ---- lvm.lv ----

const VG40 = fixture('vgs-with-stderr-noise.out'); // drovertest: 40 MiB free, extents of 4 MiB, two LVs of 40 MiB (lvs.out)

test('lv: created in bytes (rounded to extents) or as a percentage; size read back', (t) => {
  const p = { vg: 'drovertest', name: 'data', size: '15M' };
  const answer: Answer = [
    ['VGS', fixture('vgs-two.out')],
    ['LVS', ''],
  ];
  const plan = planFromAnswer(lvm.lv, p, answer);
  t.deepEqual(plan.result, { changed: true, message: 'lvcreate drovertest/data 16 MiB', size: 16777216 });
  const pure = planLv(p, factsOf(lvFacts, p, answer));
  t.is(display(pure.apply), 'lvcreate --yes -n data -L 16777216b -- drovertest');
  t.deepEqual(
    pure.readBack!(
      factsOf(lvFacts, p, [
        ['VGS', VG40],
        ['LVS', fixture('lvs.out')],
      ]),
    ),
    { size: 41943040 },
  );
  t.throws(() => pure.readBack!({}), { message: 'lvcreate succeeded but lvs does not show drovertest/data' });
  const pct = planLv({ ...p, name: 'half', size: '50%free' }, factsOf(lvFacts, p, answer));
  t.like(pct.result, { changed: true, message: 'lvcreate drovertest/half 50%FREE', size: null });
  t.is(display(pct.apply), 'lvcreate --yes -n half -l 50%FREE -- drovertest');
});

test('lv: grown, never shrunk; a percentage on an existing LV changes nothing', (t) => {
  const answer: Answer = [
    ['VGS', VG40],
    ['LVS', fixture('lvs.out')],
  ];
  const p = { vg: 'drovertest', name: 'data', size: '48M' };
  const grow = planFromAnswer(lvm.lv, p, answer);
  t.deepEqual(grow.result, { changed: true, message: 'lvextend drovertest/data 40 MiB -> 48 MiB', size: 50331648 });
  const pure = planLv(p, factsOf(lvFacts, p, answer));
  t.is(display(pure.apply), 'lvextend -L 50331648b -- drovertest/data');
  t.deepEqual(
    pure.readBack!(
      factsOf(lvFacts, p, [
        ['VGS', VG40],
        ['LVS', fixture('lvs-extended.out')],
      ]),
    ),
    { size: 50331648 },
  );
  t.deepEqual(planFromAnswer(lvm.lv, { ...p, size: '40M' }, answer).result, {
    changed: false,
    size: 41943040,
    message: undefined,
  });
  t.deepEqual(planFromAnswer(lvm.lv, { ...p, size: '8M' }, answer).result, {
    changed: false,
    size: 41943040,
    message: 'drovertest/data is 40 MiB, larger than 8M: never shrunk',
  });
  t.is(
    planFromAnswer(lvm.lv, { ...p, size: '100%FREE' }, answer).result.message,
    'drovertest/data exists (40 MiB); a percentage size is only used when creating',
  );
});

test('lv: refused when the VG is missing or too small', (t) => {
  const answer: Answer = [
    ['VGS', VG40],
    ['LVS', fixture('lvs.out')],
  ];
  t.throws(() => planFromAnswer(lvm.lv, { vg: 'drovertest', name: 'huge', size: '1G' }, answer), {
    message: 'drovertest has 40 MiB free, drovertest/huge needs 1 GiB',
  });
  t.throws(() => planFromAnswer(lvm.lv, { vg: 'drovertest', name: 'data', size: '1G' }, answer), {
    message: 'growing drovertest/data to 1G needs 984 MiB, drovertest has 40 MiB free',
  });
  t.throws(
    () =>
      planFromAnswer(lvm.lv, { vg: 'vg9', name: 'data', size: '1G' }, [
        ['VGS', ''],
        ['LVS', ''],
      ]),
    { message: 'volume group vg9 does not exist' },
  );
  t.throws(
    () =>
      planFromAnswer(lvm.lv, { vg: 'vg9', name: 'data', size: 'lots' }, [
        ['VGS', ''],
        ['LVS', ''],
      ]),
    { message: /^size "lots" is not an LVM size/ },
  );
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

// ---- lvm.filter ----

const debian = fixture('lvm.conf.debian12');
const LINE = '\tglobal_filter = [ "r|^/dev/drbd[0-9]+$|", "a|.*|" ]\n';
const conf = (content: string, mode = '644', link?: [string, string]): Answer => [
  ...(link
    ? ([
        ['conf.link', `${link[0]}\n`],
        ['conf.real', link[1]],
      ] as Answer)
    : []),
  ['conf', `file 0 0 ${mode} root root\n`],
  ['conf.data', content],
];

test('filter: added inside devices { of the real Debian lvm.conf; then nothing to do', (t) => {
  const p = { reject: ['^/dev/drbd[0-9]+$'] };
  const plan = planFromAnswer(lvm.filter, p, conf(debian));
  t.true(plan.result.changed);
  t.is(plan.result.message, 'global_filter rejects ^/dev/drbd[0-9]+$');
  const after = plan.result.changes![0].after!;
  t.deepEqual(plan.result.changes, [{ path: '/etc/lvm/lvm.conf', before: debian, after }]);
  t.is(after.replace(LINE, ''), debian);
  t.is(typeof plan.apply, 'function');
  t.deepEqual(planFromAnswer(lvm.filter, p, conf(after)).result, { changed: false });
});

test('filter: a missing lvm.conf is created; a symlinked one is written where it points; a directory is refused', (t) => {
  const p = { reject: ['^/dev/drbd[0-9]+$'] };
  const created = planFromAnswer(lvm.filter, p, [['conf', 'absent']]);
  t.deepEqual(created.result.changes, [{ path: '/etc/lvm/lvm.conf', before: null, after: `devices {\n${LINE}}\n` }]);
  const linked = planFromAnswer(lvm.filter, p, conf(debian, '644', ['lvm.conf.site', '/etc/lvm/lvm.conf.site']));
  t.is(linked.result.changes![0].path, '/etc/lvm/lvm.conf.site');
  t.throws(() => planFromAnswer(lvm.filter, p, [['conf', 'directory 0 0 755 root root\n']]), {
    message: '/etc/lvm/lvm.conf is a directory, not a file',
  });
});

test('filter: no pattern means nothing to do, even without an lvm.conf (it used to write an empty one)', (t) => {
  t.deepEqual(planFromAnswer(lvm.filter, { reject: [] }, [['conf', 'absent']]).result, { changed: false });
});

test('filter: a pattern holding the delimiter is refused before the host is touched', (t) => {
  t.throws(() => planFromAnswer(lvm.filter, { reject: ['a|b'] }, [['conf', 'absent']]), {
    message: 'filter pattern "a|b" must not contain | or "',
  });
  // '' would become r||, which matches every device: LVM would then see no PV at all
  t.throws(() => planFromAnswer(lvm.filter, { reject: [''] }, [['conf', 'absent']]), {
    message: 'filter pattern must be a non-empty regex, got ""',
  });
  t.throws(() => planFromAnswer(lvm.filter, { reject: ['^/dev/x\n'] }, [['conf', 'absent']]), {
    message: 'filter pattern "^/dev/x\\n" must not contain control characters',
  });
  t.throws(() => planFromAnswer(lvm.filter, { reject: ['x'], file: 'lvm.conf' }, [['conf', 'absent']]), {
    message: 'file must be absolute: "lvm.conf"',
  });
});

// ---- params of every module, through the real wrapper (check mode: nothing may run) ----

test('device paths: absolute under /dev, normalised, no control characters', async (t) => {
  for (const bad of [
    '/dev/null\n@@REAL0 rc=0',
    'vdb',
    '/tmp/x',
    '/dev/',
    '/dev//vdb',
    '/dev/./vdb',
    '/dev/../etc/passwd',
    '/dev/vdb/',
    '/dev/vd\0b',
    '/dev/vd\tb',
    '-/dev/x',
  ]) {
    t.throws(
      () => checkDevice(bad, 'device'),
      { message: /^device must be a normalised absolute path under \/dev/ },
      JSON.stringify(bad),
    );
  }
  for (const good of ['/dev/vdb', '/dev/disk/by-id/ata-X_Y-Z', '/dev/mapper/vg-lv', '/dev/loop0p1'])
    t.notThrows(() => checkDevice(good, 'x'));
  const h = localHost({ check: true }).host;
  await t.throwsAsync(lvm.pv(h, { device: '/dev/null\n@@REAL0 rc=0' }), {
    message: /device must be a normalised absolute path/,
  });
  await t.throwsAsync(lvm.vg(h, { name: 'vg0', devices: ['/dev/vdb', '/dev/../x'] }), {
    message: /devices\[1\] must be/,
  });
});

test('VG and LV names: LVM characters, never a leading dash, never . or ..', async (t) => {
  for (const bad of ['-x', '--help', '.', '..', 'a b', 'a/b', '', 'x\n'])
    t.throws(() => checkLvmName(bad, 'name'), { message: /^name .* is not a valid LVM name/ });
  for (const good of ['vg0', 'ganeti', 'a.b', '+x', '_y', 'a-b']) t.notThrows(() => checkLvmName(good, 'name'));
  const h = localHost({ check: true }).host;
  await t.throwsAsync(lvm.lv(h, { vg: '--help', name: 'x', size: '1G' }), {
    message: /vg "--help" is not a valid LVM name/,
  });
});

test('the probes read what they should, and nothing else', (t) => {
  const frame = new ProbeFrame('0123456789abcdef0123');
  t.regex(
    pvFacts.build({ device: '/dev/vdb' }, frame).display,
    /readlink -f -- "\$d"; \[ -b "\$d" \][\s\S]*blkid -p -o export -- "\$d"[\s\S]*pvs --noheadings/,
  );
  t.regex(
    vgFacts.build({ name: 'vg0', devices: ['/dev/vdb'] }, frame).display,
    /vgs --noheadings .* -- vg0 2>\/dev\/null/,
  );
  t.regex(lvFacts.build({ vg: 'vg0', name: 'x' }, frame).display, /lvs --noheadings .* -- vg0 2>\/dev\/null/);
  t.regex(filterFacts.build({}, frame).display, /drover_probe 0123456789abcdef0123 conf \/etc\/lvm\/lvm\.conf 1 1/);
});

test('errors are layered once: ModuleError names module, host and call site; the module says only what is wrong', async (t) => {
  const h = localHost({ check: true }).host;
  const err = await t.throwsAsync(lvm.vg(h, { name: 'vg0', devices: [] }));
  t.regex(
    err!.message,
    /^lvm\.vg failed on localhost \(.*lvm-fixtures\.test\.ts:\d+(:\d+)?\): devices must list at least one device$/,
  );
  const err2 = await t.throwsAsync(lvm.lv(h, { vg: 'vg0', name: 'x', size: 'lots' }));
  t.regex(err2!.message, /^lvm\.lv failed on localhost \(.*\): size "lots" is not an LVM size/);
});
