// kmod: pure decisions on recorded /sys facts, and the lab host (no loadable modules there): files written, load honestly skipped.
import test from 'ava';
import { sh } from '../../../core/sh.ts';
import type { RunHost } from '../../../core/host.ts';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import {
  checkModuleName,
  factsProbe,
  FACT_SECTIONS,
  parseKmodFacts,
  type KmodState,
} from '../../../modules/system/kmod-facts.ts';
import { decideLoad, mismatchedParams, modprobeConf, parseOptions } from '../../../modules/system/kmod-plan.ts';
import { kmod } from '../../../modules/system/kmod.ts';
import { localHost } from '../../support/host.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'kmod', hosts: 1, profile: 'gentoo' });
const labTest = labSerialTest(test);

const openHost = labHostOpener(test, lab);
const host = (opts: { check?: boolean } = {}) => openHost(opts).host;
let main: RunHost<Record<string, unknown>> | undefined;
const h = () => (main ??= host());
const DRBD = { minor_count: 128, usermode_helper: '/bin/true' };

test('options: record and string forms give the same modprobe.d line; bad values refused', (t) => {
  const a = parseOptions(DRBD);
  t.deepEqual(a, parseOptions('minor_count=128 usermode_helper=/bin/true'));
  t.is(modprobeConf('drbd', a), 'options drbd minor_count=128 usermode_helper=/bin/true\n');
  t.throws(() => parseOptions('minor_count'), { message: /not key=value/ });
  t.throws(() => parseOptions({ x: 'a b' }), { message: /cannot carry unquoted/ });
});

/** The sections of a drbd host, built from the probe's format: module loaded, two parameters, /proc/drbd with no minor. */
function drbdAnswer(frame: ProbeFrame, params = 'minor_count\x00128\x00usermode_helper\x00/sbin/drbdadm\x00'): Buffer {
  return frame.render([
    ['kernel', '6.1.0-28-amd64\n'],
    ['moddir', ''],
    ['available', ''],
    ['module', ''],
    ['refcnt', '0\n'],
    ['params', params],
    ['drbd', '0\n'],
  ]);
}

test('parse /sys facts and compare parameters (Y/N booleans)', (t) => {
  const frame = new ProbeFrame();
  const f = parseKmodFacts(frame.parse(drbdAnswer(frame), FACT_SECTIONS));
  t.deepEqual(f, {
    kernel: '6.1.0-28-amd64',
    moduleDir: true,
    available: true,
    loaded: true,
    builtin: false,
    refcnt: 0,
    params: { minor_count: '128', usermode_helper: '/sbin/drbdadm' },
    drbdMinors: 0,
  });
  t.deepEqual(mismatchedParams(parseOptions(DRBD), f.params), {
    usermode_helper: { have: '/sbin/drbdadm', want: '/bin/true' },
  });
  t.deepEqual(mismatchedParams([['enable', 'Y']], { enable: 'Y' }), {});
  t.deepEqual(mismatchedParams([['enable', 'true']], { enable: 'Y' }), {});
  t.deepEqual(mismatchedParams([['x', '1']], {}), { x: { have: undefined, want: '1' } });
});

test('a parameter value holding newlines and old key=value lines stays that value; unframed or truncated answers are refused', (t) => {
  const frame = new ProbeFrame();
  const forged = 'x\nloaded=1\nbuiltin=1\nparam.minor_count=1\n@@END';
  const f = parseKmodFacts(frame.parse(drbdAnswer(frame, `usermode_helper\0${forged}\0`), FACT_SECTIONS));
  t.deepEqual(f.params, { usermode_helper: forged });
  t.false(f.builtin);
  const good = drbdAnswer(frame);
  for (const bad of [
    Buffer.concat([Buffer.from('loaded=1\n'), good]),
    Buffer.concat([good, Buffer.from('builtin=1\n')]),
    good.subarray(0, good.length - 5),
  ]) {
    t.throws(() => parseKmodFacts(frame.parse(bad, FACT_SECTIONS)), { instanceOf: ProbeFormatError });
  }
  t.throws(() => parseKmodFacts(frame.parse(drbdAnswer(frame, 'odd\0'), FACT_SECTIONS)), {
    instanceOf: ProbeFormatError,
    message: /pairs/,
  });
  t.throws(() => parseKmodFacts(frame.parse(drbdAnswer(frame, 'a b\0v\0'), FACT_SECTIONS)), {
    instanceOf: ProbeFormatError,
    message: /parameter name/,
  });
});

test('the facts probe run by dash on this machine: a built-in module with parameters, and a missing one', (t) => {
  for (const [name, loaded] of [
    ['8250', true],
    ['drover_no_such_module', false],
  ] as const) {
    if (loaded && !existsSync('/sys/module/8250/parameters')) continue;
    const frame = new ProbeFrame();
    const f = parseKmodFacts(frame.parse(execFileSync('dash', ['-c', factsProbe(frame, name).text]), FACT_SECTIONS));
    t.is(f.loaded, loaded, name);
    t.is(f.kernel, execFileSync('uname', ['-r']).toString().trim());
    if (loaded) t.true(Object.keys(f.params).length > 0);
    else t.deepEqual(f.params, {});
  }
});

test('kernel module names: no leading dash (an option to modinfo/modprobe), no spaces or paths', async (t) => {
  for (const bad of ['--help', '-r', '', 'a b', '../x', 'x/y', 'x\n', 'a'.repeat(56)]) {
    t.throws(() => checkModuleName(bad), { message: /^name must be a kernel module name/ }, JSON.stringify(bad));
    await t.throwsAsync(kmod(localHost({ check: true }).host, { name: bad }), {
      message: /name must be a kernel module name/,
    });
  }
  for (const good of ['drbd', 'vhost_net', 'snd-hda-intel', '8250', 'a'.repeat(55)])
    t.notThrows(() => checkModuleName(good));
});

const loadedWrong: KmodState = {
  kernel: 'k',
  moduleDir: true,
  available: true,
  loaded: true,
  builtin: false,
  refcnt: 0,
  params: { minor_count: '128', usermode_helper: '/sbin/drbdadm' },
};

test('decideLoad: wrong helper while loaded is only reported unless reload; reload only when unused', (t) => {
  const pairs = parseOptions(DRBD);
  const report = decideLoad({ name: 'drbd', options: DRBD }, pairs, loadedWrong);
  t.false(report.doReload);
  t.deepEqual(report.messages, [
    'loaded with usermode_helper=/sbin/drbdadm (want /bin/true); not reloaded: pass reload: true to reload it',
  ]);
  t.true(decideLoad({ name: 'drbd', options: DRBD, reload: true }, pairs, loadedWrong).doReload);
  const busy = decideLoad({ name: 'drbd', options: DRBD, reload: true }, pairs, { ...loadedWrong, refcnt: 2 });
  t.false(busy.doReload);
  t.regex(busy.messages[0], /not reloaded: in use \(refcnt 2\)/);
  const minors = decideLoad({ name: 'drbd', options: DRBD, reload: true }, pairs, { ...loadedWrong, drbdMinors: 3 });
  t.false(minors.doReload);
  t.regex(minors.messages[0], /3 DRBD minor\(s\) configured/);
  t.regex(
    decideLoad({ name: 'drbd', options: DRBD, reload: true }, pairs, { ...loadedWrong, builtin: true }).messages[0],
    /built into the kernel/,
  );
  const ok = decideLoad({ name: 'drbd', options: DRBD }, pairs, {
    ...loadedWrong,
    params: { minor_count: '128', usermode_helper: '/bin/true' },
  });
  t.deepEqual(ok, { doLoad: false, doReload: false, skipped: undefined, messages: [], mismatched: {} });
  const notLoaded = decideLoad({ name: 'drbd' }, [], { ...loadedWrong, loaded: false, params: {} });
  t.true(notLoaded.doLoad);
  t.is(decideLoad({ name: 'drbd', load: false }, [], { ...loadedWrong, loaded: false }).doLoad, false);
});

labTest('drbd in the lab: files written, load skipped honestly; twice; --check changes nothing', async (t) => {
  const c = await kmod(host({ check: true }), { name: 'drbd', options: DRBD });
  t.true(c.changed);
  t.deepEqual(
    c.changes.map((x) => [x.path, x.before, x.after]),
    [
      ['/etc/modprobe.d/drbd.conf', null, 'options drbd minor_count=128 usermode_helper=/bin/true\n'],
      ['/etc/modules-load.d/drbd.conf', null, 'drbd\n'],
    ],
  );
  t.is((await h().exec(sh`ls /etc/modprobe.d/drbd.conf`, { allowFail: true })).code, 2);

  const r = await kmod(h(), { name: 'drbd', options: DRBD });
  t.true(r.changed);
  t.false(r.loaded);
  t.regex(
    r.skipped!,
    /^module drbd not available in kernel \S+ \((no \/lib\/modules\/\S+|modinfo drbd failed)\); not loaded; /,
  );
  t.is(
    (await h().exec(sh`cat /etc/modprobe.d/drbd.conf`)).stdout,
    'options drbd minor_count=128 usermode_helper=/bin/true\n',
  );
  t.is((await h().exec(sh`cat /etc/modules-load.d/drbd.conf`)).stdout, 'drbd\n');
  t.is((await h().exec(sh`test -d /sys/module/drbd`, { allowFail: true })).code, 1);

  const again = await kmod(h(), { name: 'drbd', options: 'minor_count=128 usermode_helper=/bin/true' });
  t.false(again.changed);
  t.deepEqual(again.changes, []);
  t.regex(again.skipped!, /not available.*not loaded$/);

  const off = await kmod(h(), { name: 'drbd', options: DRBD, onBoot: false, load: false });
  t.true(off.changed);
  t.is(off.skipped, undefined);
  t.deepEqual(off.changes, [{ path: '/etc/modules-load.d/drbd.conf', before: 'drbd\n', after: null }]);
  t.is((await h().exec(sh`test -e /etc/modules-load.d/drbd.conf`, { allowFail: true })).code, 1);
  t.false((await kmod(h(), { name: 'drbd', options: DRBD, onBoot: false, load: false })).changed);
});

labTest('bad module name refused before touching the host', async (t) => {
  await t.throwsAsync(kmod(h(), { name: 'drbd; reboot' }), { message: /name must be a kernel module name/ });
});
