// cron planned from recorded probe answers (`crontab -l`'s output and status, an /etc/cron.d file): no host.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import { cronFacts, cronSections, parseCronFacts } from '../../../modules/system/cron-facts.ts';
import { planFromAnswer, probeCommand, type Answer } from '../../../modules/kit.ts';
import { editCronText, jobLine } from '../../../modules/system/cron-plan.ts';
import { cron } from '../../../modules/system/cron.ts';

/** `crontab -l` as Debian's cron 3.0pl1 and cronie answer: the table (rc 0), or "no crontab for USER" (rc 1). */
const crontab = (table?: string, o: { user?: boolean; have?: boolean; err?: string; rc?: number } = {}): Answer => [
  ['user', '', o.user === false ? 1 : 0],
  ['have', '', o.have === false ? 1 : 0],
  table === undefined ? ['crontab', '', o.rc ?? 1] : ['crontab', table],
  ['err', table === undefined ? (o.err ?? 'no crontab for root\n') : ''],
];
const cronD = (content?: string): Answer => [
  ['user', ''],
  ...(content === undefined
    ? ([['file', 'absent']] as Answer)
    : ([
        ['file', 'file 0 0 644 root root\n'],
        ['file.data', content],
      ] as Answer)),
];

const BACKUP = { name: 'backup', job: '/usr/local/bin/backup', minute: 15, hour: 3 };

test('no crontab yet: the job and its marker are installed with crontab -u root -', (t) => {
  const plan = planFromAnswer(cron, BACKUP, crontab());
  t.deepEqual(plan.result, {
    changed: true,
    changes: [{ path: 'crontab -u root', before: null, after: '#drover: backup\n15 3 * * * /usr/local/bin/backup\n' }],
    message: 'crontab -u root: job "backup" added',
  });
  t.is((plan.apply as { display: string }).display, 'crontab -u root -');
  t.deepEqual(plan.applyOptions, { stdin: '#drover: backup\n15 3 * * * /usr/local/bin/backup\n' });
  t.regex(probeCommand(cron, BACKUP), /crontab -u root -l 2>\/dev\/null/);
});

test('already there: nothing to do; other lines and jobs kept byte for byte', (t) => {
  const table =
    '# m h dom mon dow command\nMAILTO=ops\n#drover: backup\n15 3 * * * /usr/local/bin/backup\n@reboot /opt/x\n';
  t.deepEqual(planFromAnswer(cron, BACKUP, crontab(table)).result, { changed: false, changes: [] });
  const moved = planFromAnswer(cron, { ...BACKUP, hour: 4 }, crontab(table));
  t.is(
    moved.result.changes[0].after,
    '# m h dom mon dow command\nMAILTO=ops\n#drover: backup\n15 4 * * * /usr/local/bin/backup\n@reboot /opt/x\n',
  );
  t.is(moved.result.message, 'crontab -u root: job "backup" changed');
});

test('absent removes the marker and its line; disabled comments the job out; duplicates of a marker go', (t) => {
  const table =
    '#drover: backup\n15 3 * * * /usr/local/bin/backup\n#drover: other\n@daily x\n#drover: backup\n0 0 * * * old\n';
  t.is(editCronText(table, 'backup', null), '#drover: other\n@daily x\n');
  t.is(
    editCronText(table, 'backup', jobLine({ ...BACKUP, disabled: true })),
    '#drover: backup\n#15 3 * * * /usr/local/bin/backup\n#drover: other\n@daily x\n',
  );
  // a marker whose job line was deleted by hand: the job goes under it, the next marker is untouched
  t.is(
    editCronText('#drover: backup\n#drover: other\n@daily x\n', 'backup', 'J'),
    '#drover: backup\nJ\n#drover: other\n@daily x\n',
  );
  const gone = planFromAnswer(cron, { name: 'backup', state: 'absent' }, crontab(table));
  t.is(gone.result.message, 'crontab -u root: job "backup" removed');
  t.false(planFromAnswer(cron, { name: 'backup', state: 'absent' }, crontab()).result.changed);
});

test('/etc/cron.d: the user field in the line, mode 0644, the file removed with its last job', (t) => {
  const p = {
    name: 'scrub',
    job: 'zpool scrub tank',
    special: 'weekly' as const,
    cronFile: 'zfs-scrub',
    user: 'nobody',
  };
  const plan = planFromAnswer(cron, p, cronD());
  t.deepEqual(plan.result, {
    changed: true,
    changes: [
      { path: '/etc/cron.d/zfs-scrub', before: null, after: '#drover: scrub\n@weekly nobody zpool scrub tank\n' },
    ],
    message: '/etc/cron.d/zfs-scrub: created',
  });
  t.false(planFromAnswer(cron, p, cronD('#drover: scrub\n@weekly nobody zpool scrub tank\n')).result.changed);
  const gone = planFromAnswer(
    cron,
    { ...p, state: 'absent' },
    cronD('#drover: scrub\n@weekly nobody zpool scrub tank\n'),
  );
  t.deepEqual(gone.result.changes, [
    { path: '/etc/cron.d/zfs-scrub', before: '#drover: scrub\n@weekly nobody zpool scrub tank\n', after: null },
  ]);
  t.false(planFromAnswer(cron, { ...p, state: 'absent' }, cronD()).result.changed);
});

test('what the host lacks: the user, the crontab command; crontab -l failing for another reason', (t) => {
  t.throws(() => planFromAnswer(cron, { ...BACKUP, user: 'ghost' }, crontab(undefined, { user: false })), {
    message: 'no user ghost on this host',
  });
  t.throws(() => planFromAnswer(cron, BACKUP, crontab(undefined, { have: false })), {
    message: /^no crontab command on this host \(install cron or cronie\)/,
  });
  t.throws(
    () =>
      planFromAnswer(
        cron,
        BACKUP,
        crontab(undefined, { err: "crontab: can't open your crontab file: Permission denied\n", rc: 1 }),
      ),
    { instanceOf: ProbeFormatError, message: /crontab -u root -l failed \(exit 1\): .*Permission denied/ },
  );
});

test('params checked before the host is touched, naming what is wrong', (t) => {
  const bad: [Parameters<typeof cron>[1], RegExp][] = [
    [{ name: '', job: 'x' }, /^name must be one non-empty line/],
    [{ name: 'a\nb', job: 'x' }, /^name must be one non-empty line/],
    [{ name: 'a' }, /^job is required/],
    [{ name: 'a', job: 'x\n* * * * * evil' }, /^job must be one line/],
    [{ name: 'a', job: 'x', minute: '1 2' }, /^minute is not a crontab time field: "1 2"/],
    [{ name: 'a', job: 'x', hour: 1, special: 'daily' }, /^hour and special cannot be given together/],
    [{ name: 'a', job: 'x', special: 'often' as 'daily' }, /^special must be one of/],
    [{ name: 'a', job: 'x', user: '-r' }, /^user is not a user name: "-r"/],
    [{ name: 'a', job: 'x', cronFile: 'site.conf' }, /^cronFile must be a name of letters/],
    [{ name: 'a', job: 'x', cronFile: '/etc/cron.daily/x' }, /^cronFile must be a name of letters/],
  ];
  for (const [p, message] of bad) t.throws(() => planFromAnswer(cron, p, crontab()), { message }, JSON.stringify(p));
});

test('the probe run by dash on this machine parses (with or without cron installed here)', (t) => {
  const frame = new ProbeFrame();
  const p = { user: 'root' };
  const f = parseCronFacts(
    frame.parse(execFileSync('dash', ['-c', cronFacts.build(p, frame).text]), cronSections(p)),
    p,
  );
  t.true(f.userExists);
  if (f.haveCrontab) t.true(f.crontab === null || typeof f.crontab === 'string');
  else t.is(f.crontab, null);
  const ghost = { user: 'drover-no-such-user' };
  const g = parseCronFacts(
    frame.parse(
      execFileSync('dash', ['-c', cronFacts.build(ghost, new ProbeFrame(frame.nonce)).text]),
      cronSections(ghost),
    ),
    ghost,
  );
  t.false(g.userExists);
});
