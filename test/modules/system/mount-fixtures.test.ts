// mount planned from recorded probe answers (a lab host's /proc/self/mountinfo, its fstab, stat of the source): no host.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import { factsFromAnswer, planFromAnswer, type Answer } from '../../../modules/kit.ts';
import { mountFacts, mountSections, parseMountInfo, type MountFacts } from '../../../modules/system/mount-facts.ts';
import { editFstab, escapeField, fstabLine, planMount, type MountParams } from '../../../modules/system/mount-plan.ts';
import { mount } from '../../../modules/system/mount.ts';

// Recorded in a lab host (debian profile, systemd) after `mount -t ext4 -o noatime /dev/vdb /srv/data` (a loop device, 7:0).
const INFO = readFileSync(new URL('../../fixtures/mount/lab-host.mountinfo', import.meta.url), 'utf8');
const UNMOUNTED = INFO.split('\n')
  .filter((l) => !l.includes(' /srv/data '))
  .join('\n');
const FSTAB =
  '# /etc/fstab: static file system information.\n#\n# <file system> <mount point>   <type>  <options>       <dump>  <pass>\n';
const LINE = '/dev/vdb /srv/data ext4 noatime 0 2';

const answer = (o: { info?: string; fstab?: string; dir?: boolean; dev?: string } = {}): Answer => [
  ['mountinfo', o.info ?? UNMOUNTED],
  ['dir', '', o.dir === false ? 1 : 0],
  o.dev === undefined ? ['srcdev', '', 1] : ['srcdev', o.dev],
  ...(o.fstab === undefined
    ? ([['fstab', 'absent']] as Answer)
    : ([
        ['fstab', 'file 0 0 644 root root\n'],
        ['fstab.data', o.fstab],
      ] as Answer)),
];
const facts = (p: MountParams, a: Answer) => factsFromAnswer<MountFacts>(mount, p, a);
const DATA = {
  path: '/srv/data',
  src: '/dev/vdb',
  fstype: 'ext4',
  opts: 'noatime',
  passno: 2,
  state: 'mounted',
} as const;

test('mountinfo as the kernel prints it: optional fields, escaped spaces, the top mount', (t) => {
  const all = parseMountInfo(INFO);
  const data = all.filter((m) => m.mountPoint === '/srv/data');
  t.is(data.length, 1);
  t.like(data[0], { source: '/dev/vdb', fstype: 'ext4', majMin: '7:0' });
  t.like(
    all.find((m) => m.mountPoint === '/'),
    { fstype: 'overlay' },
  );
  const odd = parseMountInfo('40 27 0:50 / /mnt/my\\040disk rw shared:1 master:2 - tmpfs my\\134src rw\n');
  t.deepEqual(odd, [{ majMin: '0:50', mountPoint: '/mnt/my disk', options: 'rw', fstype: 'tmpfs', source: 'my\\src' }]);
  t.throws(() => parseMountInfo('garbage line\n'), { instanceOf: ProbeFormatError, message: /not a mountinfo line/ });
});

test('a fresh host: fstab line appended, the directory made, mounted with the params', (t) => {
  const d = planMount(DATA, facts(DATA, answer({ fstab: FSTAB, dir: false })));
  t.like(d.result, {
    changed: true,
    mounted: true,
    message: '/etc/fstab: content changed; created /srv/data, mounted',
  });
  t.is(d.live?.display, 'mkdir -p -- /srv/data && mount -t ext4 -o noatime -- /dev/vdb /srv/data');
  const plan = planFromAnswer(mount, DATA, answer({ fstab: FSTAB, dir: false }));
  t.deepEqual(plan.result.changes, [{ path: '/etc/fstab', before: FSTAB, after: `${FSTAB}${LINE}\n` }]);
});

test('mounted and in fstab: nothing to do; mountinfo names /dev/vdb, or the loop device it is (same numbers)', (t) => {
  const plan = planFromAnswer(mount, DATA, answer({ info: INFO, fstab: `${FSTAB}${LINE}\n`, dev: '7 0\n' }));
  t.deepEqual(plan.result, { changed: false, changes: [], mounted: true });
  const viaLoop = INFO.replace(' /dev/vdb ', ' /dev/loop3 ');
  const again = planFromAnswer(mount, DATA, answer({ info: viaLoop, fstab: `${FSTAB}${LINE}\n`, dev: '7 0\n' }));
  t.false(again.result.changed);
  // the same mount point holding another device is refused, never unmounted behind the playbook's back
  t.throws(() => planFromAnswer(mount, DATA, answer({ info: viaLoop, fstab: FSTAB, dev: '7 4\n' })), {
    message: "/srv/data is mounted from /dev/loop3 (ext4), not /dev/vdb (ext4): unmount it first (state: 'unmounted')",
  });
});

test('options changed while mounted: fstab rewritten, then a remount', (t) => {
  const p = { ...DATA, opts: ['noatime', 'nodev'] };
  const plan = planMount(p, facts(p, answer({ info: INFO, fstab: `${LINE}\n`, dev: '7 0\n' })));
  t.is(plan.result.changes[0].after, '/dev/vdb /srv/data ext4 noatime,nodev 0 2\n');
  t.is(plan.live?.display, 'mount -o remount,noatime,nodev -- /srv/data');
  t.is(plan.result.message, '/etc/fstab: content changed; remounted');
});

test('present only writes fstab; unmounted only unmounts; absent does both', (t) => {
  const present = planFromAnswer(mount, { ...DATA, state: 'present' }, answer({ fstab: FSTAB }));
  t.like(present.result, { changed: true, mounted: false, message: '/etc/fstab: content changed' });
  const um = planFromAnswer(
    mount,
    { path: '/srv/data', state: 'unmounted' },
    answer({ info: INFO, fstab: `${LINE}\n` }),
  );
  t.like(um.result, { changed: true, mounted: false, changes: [], message: 'unmounted' });
  const absent = { path: '/srv/data', state: 'absent' } as const;
  const gone = planMount(absent, facts(absent, answer({ info: INFO, fstab: `${FSTAB}${LINE}\n` })));
  t.is(gone.live?.display, 'umount -- /srv/data');
  t.deepEqual(gone.result.changes, [{ path: '/etc/fstab', before: `${FSTAB}${LINE}\n`, after: FSTAB }]);
  t.false(planFromAnswer(mount, { path: '/srv/data', state: 'absent' }, answer({ fstab: FSTAB })).result.changed);
});

test('fstab edits: same fields with other spacing kept, duplicates removed, spaces escaped', (t) => {
  const spaced = `${FSTAB}/dev/vdb\t/srv/data  ext4 noatime 0 2\n`;
  t.is(editFstab(spaced, '/srv/data', LINE), spaced);
  t.is(
    editFstab(`${LINE}\n/dev/vdc /srv/data xfs defaults\n/dev/x /y ext4 defaults\n`, '/srv/data', LINE),
    `${LINE}\n/dev/x /y ext4 defaults\n`,
  );
  t.is(editFstab(`${LINE}\n`, '/srv/data', null), '');
  t.is(editFstab(null, '/srv/data', null), null);
  t.is(escapeField('LABEL=my disk\\x'), 'LABEL=my\\040disk\\134x');
  t.is(
    fstabLine({ path: '/mnt/a b', src: 'tmpfs', fstype: 'tmpfs', state: 'present' }),
    'tmpfs /mnt/a\\040b tmpfs defaults 0 0',
  );
  // an escaped mount point in fstab is the same mount point
  t.is(
    editFstab('tmpfs /mnt/a\\040b tmpfs defaults 0 0\n', '/mnt/a b', 'tmpfs /mnt/a\\040b tmpfs defaults 0 0'),
    'tmpfs /mnt/a\\040b tmpfs defaults 0 0\n',
  );
});

test('params checked before the host is touched, naming what is wrong', (t) => {
  const bad: [Parameters<typeof mount>[1], RegExp][] = [
    [{ ...DATA, path: 'srv' }, /^path must be absolute/],
    [{ ...DATA, path: '/srv/../etc' }, /^path must be normalised/],
    [{ ...DATA, path: '/srv/' }, /^path must be normalised/],
    [{ ...DATA, src: undefined }, /^src is required for state mounted/],
    [{ ...DATA, src: '-oremount' }, /^src is required for state mounted/],
    [{ ...DATA, fstype: 'ext4 x' }, /^fstype is required for state mounted/],
    [{ ...DATA, opts: 'a b' }, /^opts must be options without spaces/],
    [{ ...DATA, opts: ['a', ''] }, /^opts must be options without spaces/],
    [{ ...DATA, passno: -1 }, /^passno must be 0-9/],
    [{ ...DATA, state: 'remounted' as 'mounted' }, /^state must be mounted, present, unmounted or absent/],
  ];
  for (const [p, message] of bad) t.throws(() => planFromAnswer(mount, p, answer()), { message }, JSON.stringify(p));
});

test('the probe run by dash on this machine: its own /proc mount, a path with nothing mounted', (t) => {
  for (const [path, fstype] of [
    ['/proc', 'proc'],
    ['/drover-nothing-here', undefined],
  ] as const) {
    const frame = new ProbeFrame();
    const p = { path, state: 'present' as const, src: 'proc', fstype: 'proc', fstab: '/drover-no-fstab' };
    // with the shell function the session defines once (remote-file's probe); the exit status is the last section's
    const cmd = mountFacts.build(p, frame);
    const out = spawnSync('dash', ['-c', [...cmd.functions.map((f) => f.definition), cmd.text].join('\n')]).stdout;
    const f = mountFacts.parse(frame.parse(out, mountSections()), p);
    t.is(f.mounted?.fstype, fstype, path);
    t.is(f.fstab.kind, 'absent');
  }
});
