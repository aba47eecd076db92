// kmod planned from recorded probe answers (its two files and /sys state, in the probe's own format): no host.
import test from 'ava';
import type { ProbeFacts } from '../../../core/module.ts';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import { kmodFacts, type KmodState } from '../../../modules/system/kmod-facts.ts';
import { checkLoaded, planKmod, type KmodParams } from '../../../modules/system/kmod-plan.ts';
import { kmod } from '../../../modules/system/kmod.ts';
import { localHost } from '../../support/host.ts';
import { planFromAnswer, type Answer } from '../../../modules/kit.ts';

const DRBD = { minor_count: 128, usermode_helper: '/bin/true' };
const CONF = 'options drbd minor_count=128 usermode_helper=/bin/true\n';

/** A file as remote-file's probe answers: absent, or a regular file with owner, mode and bytes. */
const file = (name: string, content?: string, mode = '644'): Answer =>
  content === undefined
    ? [[name, 'absent']]
    : [
        [name, `file 0 0 ${mode} root root\n`],
        [`${name}.data`, content],
      ];

/** /sys state as factsProbe prints it (drbd loaded, unused, no minor configured, unless told otherwise). */
function state(
  o: { loaded?: boolean; available?: boolean; moddir?: boolean; params?: string; refcnt?: string } = {},
): Answer {
  const loaded = o.loaded ?? true;
  return [
    ['kernel', '6.1.0-28-amd64\n'],
    ['moddir', '', o.moddir === false ? 1 : 0],
    ['available', '', o.available === false ? 1 : 0],
    ['module', '', loaded ? 0 : 2],
    ['refcnt', loaded ? (o.refcnt ?? '0\n') : '', loaded ? 0 : 1],
    ['params', loaded ? (o.params ?? 'minor_count\x00128\x00usermode_helper\x00/bin/true\x00') : ''],
    ['drbd', loaded ? '0\n' : '', loaded ? 0 : 1],
  ];
}

const answer = (conf?: string, boot?: string, s: Answer = state()): Answer => [
  ...file('conf', conf),
  ...file('boot', boot),
  ...s,
];

function factsOf<P, F>(facts: ProbeFacts<P, F>, p: P, a: Answer): F {
  const frame = new ProbeFrame();
  return facts.parse(frame.parse(frame.render(a), facts.sections?.(p)), p);
}
const pure = (p: KmodParams, a: Answer) => planKmod(p, factsOf(kmodFacts, p, a));

test('files right, loaded with the wanted parameters: nothing to do', (t) => {
  const plan = planFromAnswer(kmod, { name: 'drbd', options: DRBD }, answer(CONF, 'drbd\n'));
  t.deepEqual(plan.result, { changed: false, changes: [], loaded: true, mismatched: {} });
  t.is(plan.apply, undefined);
});

test('a fresh host: both files created, then modprobe', (t) => {
  const p = { name: 'drbd', options: DRBD };
  const a = answer(undefined, undefined, state({ loaded: false }));
  const plan = planFromAnswer(kmod, p, a);
  t.like(plan.result, {
    changed: true,
    loaded: false,
    message: '/etc/modprobe.d/drbd.conf: created; /etc/modules-load.d/drbd.conf: created; loaded',
  });
  t.deepEqual(plan.result.changes, [
    { path: '/etc/modprobe.d/drbd.conf', before: null, after: CONF },
    { path: '/etc/modules-load.d/drbd.conf', before: null, after: 'drbd\n' },
  ]);
  const d = pure(p, a);
  t.is(d.load?.display, 'modprobe -- drbd');
  t.deepEqual(
    d.files.map((f) => f.action),
    [
      { kind: 'write', content: CONF, mode: '0644', createParents: true },
      { kind: 'write', content: 'drbd\n', mode: '0644', createParents: true },
    ],
  );
});

test('not in this kernel: files still written, the load reported as skipped (never pretended)', (t) => {
  const plan = planFromAnswer(
    kmod,
    { name: 'drbd', options: DRBD },
    answer(undefined, undefined, state({ loaded: false, available: false, moddir: false })),
  );
  t.true(plan.result.changed);
  t.is(plan.result.message, undefined);
  t.is(
    plan.result.skipped,
    'module drbd not available in kernel 6.1.0-28-amd64 (no /lib/modules/6.1.0-28-amd64); not loaded; /etc/modprobe.d/drbd.conf: created; /etc/modules-load.d/drbd.conf: created',
  );
  const again = planFromAnswer(
    kmod,
    { name: 'drbd', options: DRBD },
    answer(CONF, 'drbd\n', state({ loaded: false, available: false })),
  );
  t.like(again.result, {
    changed: false,
    skipped: 'module drbd not available in kernel 6.1.0-28-amd64 (modinfo drbd failed); not loaded',
  });
});

test('loaded with another parameter: only reported, or reloaded when asked and unused; never when in use', (t) => {
  const wrong = state({ params: 'minor_count\x00128\x00usermode_helper\x00/sbin/drbdadm\x00' });
  const report = planFromAnswer(kmod, { name: 'drbd', options: DRBD }, answer(CONF, 'drbd\n', wrong));
  t.like(report.result, {
    changed: false,
    message: 'loaded with usermode_helper=/sbin/drbdadm (want /bin/true); not reloaded: pass reload: true to reload it',
  });
  t.deepEqual(report.result.mismatched, { usermode_helper: { have: '/sbin/drbdadm', want: '/bin/true' } });
  const p = { name: 'drbd', options: DRBD, reload: true };
  const reload = pure(p, answer(CONF, 'drbd\n', wrong));
  t.like(reload.result, { changed: true, message: 'reloaded: was usermode_helper=/sbin/drbdadm (want /bin/true)' });
  t.is(reload.load?.display, 'modprobe -r -- drbd && modprobe -- drbd');
  const busy = planFromAnswer(
    kmod,
    p,
    answer(
      CONF,
      'drbd\n',
      state({ params: 'usermode_helper\x00/sbin/drbdadm\x00minor_count\x00128\x00', refcnt: '2\n' }),
    ),
  );
  t.like(busy.result, {
    changed: false,
    message: 'loaded with usermode_helper=/sbin/drbdadm (want /bin/true); not reloaded: in use (refcnt 2)',
  });
});

test('an edited options file keeps its owner and mode; onBoot false removes the autoload file; load false never loads', (t) => {
  const p = { name: 'drbd', options: DRBD, onBoot: false, load: false };
  const d = pure(p, answer('options drbd minor_count=64\n', 'drbd\n', state({ loaded: false })));
  t.like(d.result, {
    changed: true,
    message: '/etc/modprobe.d/drbd.conf: content changed; /etc/modules-load.d/drbd.conf: removed file',
  });
  t.deepEqual(
    d.files.map((f) => f.action),
    [{ kind: 'write', content: CONF, mode: '0644', owner: 0, group: 0, createParents: false }, { kind: 'remove' }],
  );
  t.deepEqual(d.result.changes[1], { path: '/etc/modules-load.d/drbd.conf', before: 'drbd\n', after: null });
  t.is(d.load, undefined);
  t.false(planFromAnswer(kmod, p, answer(CONF, undefined, state({ loaded: false }))).result.changed);
});

test('without options the modprobe.d file is not managed', (t) => {
  const plan = planFromAnswer(
    kmod,
    { name: 'vhost_net' },
    answer('options vhost_net experimental_zcopytx=1\n', 'vhost_net\n', state({ params: '' })),
  );
  t.deepEqual(plan.result, { changed: false, changes: [], loaded: true, mismatched: {} });
});

test('odd facts: a directory where the file goes, a refcnt that is not a number', (t) => {
  const dir: Answer = [['conf', 'directory 0 0 755 root root\n'], ...file('boot', 'drbd\n'), ...state()];
  t.throws(() => planFromAnswer(kmod, { name: 'drbd', options: DRBD }, dir), {
    message: '/etc/modprobe.d/drbd.conf is a directory, not a file',
  });
  t.throws(() => planFromAnswer(kmod, { name: 'drbd' }, answer(CONF, 'drbd\n', state({ refcnt: 'lots\n' }))), {
    instanceOf: ProbeFormatError,
    message: /refcnt is not a number/,
  });
});

test('params checked before the host is touched, naming what is wrong', (t) => {
  t.throws(() => planFromAnswer(kmod, { name: '--help' }, answer()), {
    message: /^name must be a kernel module name .* got "--help"$/,
  });
  t.throws(() => planFromAnswer(kmod, { name: 'drbd', options: 'minor_count' }, answer()), {
    message: 'option "minor_count" is not key=value',
  });
  t.throws(() => planFromAnswer(kmod, { name: 'drbd', options: { 'a-b': 1 } }, answer()), {
    message: 'bad option name "a-b"',
  });
});

test('after modprobe: the module must be there, with the wanted parameters', (t) => {
  const base: KmodState = {
    kernel: 'k',
    moduleDir: true,
    available: true,
    loaded: true,
    builtin: false,
    refcnt: 0,
    params: { minor_count: '128', usermode_helper: '/bin/true' },
  };
  t.deepEqual(checkLoaded({ name: 'drbd', options: DRBD }, base), { loaded: true, mismatched: {} });
  t.throws(() => checkLoaded({ name: 'snd-hda' }, { ...base, loaded: false }), {
    message: 'modprobe succeeded but /sys/module/snd_hda is missing',
  });
  t.throws(
    () =>
      checkLoaded(
        { name: 'drbd', options: DRBD },
        { ...base, params: { minor_count: '64', usermode_helper: '/bin/true' } },
      ),
    {
      message: 'loaded, but parameters differ: {"minor_count":{"have":"64","want":"128"}}',
    },
  );
});

test('errors are layered once: ModuleError names module, host and call site; the module says only what is wrong', async (t) => {
  const err = await t.throwsAsync(kmod(localHost({ check: true }).host, { name: 'drbd', options: 'minor_count' }));
  t.regex(
    err!.message,
    /^kmod failed on localhost \(.*kmod-fixtures\.test\.ts:\d+(:\d+)?\): option "minor_count" is not key=value$/,
  );
});
