// kmod: pure decisions on recorded /sys facts, and the lab host (no loadable modules there): files written, load honestly skipped.
import test from 'ava';
import { sh } from '../../core/sh.ts';
import type { RunHost } from '../../core/host.ts';
import { decideLoad, kmod, mismatchedParams, modprobeConf, parseKmodFacts, parseOptions, type KmodFacts } from '../../modules/kmod.ts';
import { labHostOpener, labSerialTest, useLab } from '../support/lab.ts';

const lab = useLab(test, { name: 'kmod', hosts: 1, profile: 'gentoo' });
const labTest = labSerialTest(test);

const openHost = labHostOpener(test, lab);
const host = (opts: { check?: boolean } = {}) => openHost(opts).host;
let main: RunHost<Record<string, unknown>> | undefined;
const h = () => (main ??= host());
const DRBD = { minor_count: 128, usermode_helper: '/bin/true' };

test('options: record and string forms give the same modprobe.d line; bad values refused', (t) => {
  const a = parseOptions(DRBD, 'kmod drbd');
  t.deepEqual(a, parseOptions('minor_count=128 usermode_helper=/bin/true', 'kmod drbd'));
  t.is(modprobeConf('drbd', a), 'options drbd minor_count=128 usermode_helper=/bin/true\n');
  t.throws(() => parseOptions('minor_count', 'kmod drbd'), { message: /not key=value/ });
  t.throws(() => parseOptions({ x: 'a b' }, 'kmod drbd'), { message: /cannot carry unquoted/ });
});

test('parse /sys facts and compare parameters (Y/N booleans)', (t) => {
  const f = parseKmodFacts(['kernel=6.1.0-28-amd64', 'moddir=1', 'available=1', 'loaded=1', 'refcnt=0', 'param.minor_count=128', 'param.usermode_helper=/sbin/drbdadm', 'drbdminors=0']);
  t.deepEqual(f, { kernel: '6.1.0-28-amd64', moduleDir: true, available: true, loaded: true, builtin: false, refcnt: 0, params: { minor_count: '128', usermode_helper: '/sbin/drbdadm' }, drbdMinors: 0 });
  t.deepEqual(mismatchedParams(parseOptions(DRBD, ''), f.params), { usermode_helper: { have: '/sbin/drbdadm', want: '/bin/true' } });
  t.deepEqual(mismatchedParams([['enable', 'Y']], { enable: 'Y' }), {});
  t.deepEqual(mismatchedParams([['enable', 'true']], { enable: 'Y' }), {});
  t.deepEqual(mismatchedParams([['x', '1']], {}), { x: { have: undefined, want: '1' } });
});

const loadedWrong: KmodFacts = { kernel: 'k', moduleDir: true, available: true, loaded: true, builtin: false, refcnt: 0, params: { minor_count: '128', usermode_helper: '/sbin/drbdadm' } };

test('decideLoad: wrong helper while loaded is only reported unless reload; reload only when unused', (t) => {
  const pairs = parseOptions(DRBD, '');
  const report = decideLoad({ name: 'drbd', options: DRBD }, pairs, loadedWrong);
  t.false(report.doReload);
  t.deepEqual(report.messages, ['loaded with usermode_helper=/sbin/drbdadm (want /bin/true); not reloaded: pass reload: true to reload it']);
  t.true(decideLoad({ name: 'drbd', options: DRBD, reload: true }, pairs, loadedWrong).doReload);
  const busy = decideLoad({ name: 'drbd', options: DRBD, reload: true }, pairs, { ...loadedWrong, refcnt: 2 });
  t.false(busy.doReload);
  t.regex(busy.messages[0], /not reloaded: in use \(refcnt 2\)/);
  const minors = decideLoad({ name: 'drbd', options: DRBD, reload: true }, pairs, { ...loadedWrong, drbdMinors: 3 });
  t.false(minors.doReload);
  t.regex(minors.messages[0], /3 DRBD minor\(s\) configured/);
  t.regex(decideLoad({ name: 'drbd', options: DRBD, reload: true }, pairs, { ...loadedWrong, builtin: true }).messages[0], /built into the kernel/);
  const ok = decideLoad({ name: 'drbd', options: DRBD }, pairs, { ...loadedWrong, params: { minor_count: '128', usermode_helper: '/bin/true' } });
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
  t.regex(r.skipped!, /^module drbd not available in kernel \S+ \((no \/lib\/modules\/\S+|modinfo drbd failed)\); not loaded; /);
  t.is((await h().exec(sh`cat /etc/modprobe.d/drbd.conf`)).stdout, 'options drbd minor_count=128 usermode_helper=/bin/true\n');
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
  await t.throwsAsync(kmod(h(), { name: 'drbd; reboot' }), { message: /bad module name/ });
});
