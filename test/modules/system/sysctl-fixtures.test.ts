// sysctl planned from recorded probe answers (the /proc/sys value and the sysctl.d file), and its probe run by dash here.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import { planFromAnswer, probeCommand, type Answer } from '../../../modules/kit.ts';
import { parseLive, procPath, sysctlFacts, sysctlSections } from '../../../modules/system/sysctl-facts.ts';
import { editSysctlText, planSysctl } from '../../../modules/system/sysctl-plan.ts';
import { sysctl } from '../../../modules/system/sysctl.ts';
import { localHost } from '../../support/host.ts';

const F = '/etc/sysctl.d/99-drover.conf';
const file = (content?: string): Answer =>
  content === undefined
    ? [['file', 'absent']]
    : [
        ['file', 'file 0 0 644 root root\n'],
        ['file.data', content],
      ];
/** /proc/sys's answer: the value and its newline (cat), or cat's failure for a key the kernel lacks. */
const live = (v?: string): Answer => [v === undefined ? ['live', '', 1] : ['live', `${v}\n`]];

test('right in the file and the kernel: nothing to do, one probe', (t) => {
  const plan = planFromAnswer(sysctl, { name: 'net.ipv4.ip_forward', value: 1 }, [
    ...live('1'),
    ...file('net.ipv4.ip_forward = 1\n'),
  ]);
  t.deepEqual(plan.result, { changed: false, changes: [], before: '1' });
  t.is(plan.apply, undefined);
  t.regex(
    probeCommand(sysctl, { name: 'net.ipv4.ip_forward', value: 1 }),
    /\{ cat -- \/proc\/sys\/net\/ipv4\/ip_forward 2>\/dev\/null\n\}/,
  );
});

test('a fresh host: the file created and the kernel set', (t) => {
  const p = { name: 'net.ipv4.ip_forward', value: true };
  const plan = planFromAnswer(sysctl, p, [...live('0'), ...file()]);
  t.deepEqual(plan.result, {
    changed: true,
    changes: [{ path: F, before: null, after: 'net.ipv4.ip_forward = 1\n' }],
    before: '0',
    message: `0 → 1; ${F}: created`,
  });
  t.is(typeof plan.apply, 'function');
});

test('multi-value keys compare word by word: the kernel prints tabs', (t) => {
  const p = { name: 'net.ipv4.ip_local_port_range', value: [32768, 60999] };
  const same = planFromAnswer(sysctl, p, [
    ...live('32768\t60999'),
    ...file('net.ipv4.ip_local_port_range=32768    60999\n'),
  ]);
  t.false(same.result.changed);
  const other = planSysctl({ ...p, value: '10000 65000' }, { live: '32768\t60999', file: undefined });
  t.is(other.setLive, '10000 65000');
  t.is(other.result.message, '32768 60999 → 10000 65000');
});

test('the file: other lines and comments kept, the first line of the key replaced, later duplicates removed', (t) => {
  const before =
    '# site\nkernel.panic = 10\nnet.ipv4.ip_forward=0\n; old\n-net.ipv4.ip_forward = 0\nvm.swappiness=10\n';
  t.is(
    editSysctlText(before, 'net.ipv4.ip_forward', '1'),
    '# site\nkernel.panic = 10\nnet.ipv4.ip_forward = 1\n; old\nvm.swappiness=10\n',
  );
  // the same key written with slashes is the same key
  t.is(editSysctlText('net/ipv4/ip_forward = 1\n', 'net.ipv4.ip_forward', '1'), 'net/ipv4/ip_forward = 1\n');
  t.is(editSysctlText('a.b = 1\n', 'net.ipv4.ip_forward', null), 'a.b = 1\n');
  t.is(editSysctlText('net.ipv4.ip_forward = 1\n', 'net.ipv4.ip_forward', null), null);
  t.is(editSysctlText(null, 'net.ipv4.ip_forward', null), null);
  t.is(editSysctlText('', 'net.ipv4.ip_forward', null), '');
  t.is(editSysctlText('a.b = 1', 'c.d', '2'), 'a.b = 1\nc.d = 2\n');
});

test('absent: removed from the file, the running value left alone; persist false: only the kernel', (t) => {
  const gone = planFromAnswer(sysctl, { name: 'net.ipv4.ip_forward', state: 'absent' }, [
    ...live('1'),
    ...file('net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.rp_filter = 1\n'),
  ]);
  t.deepEqual(gone.result.changes, [
    {
      path: F,
      before: 'net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.rp_filter = 1\n',
      after: 'net.ipv4.conf.all.rp_filter = 1\n',
    },
  ]);
  t.is(gone.result.message, `${F}: content changed`);
  const p = { name: 'net.ipv4.ip_forward', value: 0, persist: false };
  t.deepEqual(sysctlSections(false), ['live']);
  const plan = planFromAnswer(sysctl, p, live('1'));
  t.deepEqual(plan.result, { changed: true, changes: [], before: '1', message: '1 → 0' });
});

test('a key the kernel lacks: an error saying so, unless only persisted', (t) => {
  const p = { name: 'net.ipv4.tcp_nope', value: 1 };
  t.throws(() => planFromAnswer(sysctl, p, [...live(), ...file()]), {
    message: /^no kernel parameter net\.ipv4\.tcp_nope \(no \/proc\/sys\/net\/ipv4\/tcp_nope; .*runtime: false/,
  });
  const only = planFromAnswer(sysctl, { ...p, runtime: false }, [...live(), ...file()]);
  t.deepEqual(only.result.changes, [{ path: F, before: null, after: 'net.ipv4.tcp_nope = 1\n' }]);
});

test('odd answers: a value on two lines, a directory where the file goes', (t) => {
  t.throws(() => planFromAnswer(sysctl, { name: 'a.b', value: 1 }, [['live', '1\n2\n'], ...file()]), {
    instanceOf: ProbeFormatError,
    message: /live value is not one line/,
  });
  t.throws(
    () => planFromAnswer(sysctl, { name: 'a.b', value: 1 }, [...live('1'), ['file', 'directory 0 0 755 root root\n']]),
    { message: `${F} is a directory, not a file` },
  );
});

test('params checked before the host is touched, naming what is wrong', async (t) => {
  for (const name of ['--help', 'ip_forward', 'net..ipv4', 'net.ipv4 x', 'net/ipv4.x', '../etc/passwd', 'a.b=1'])
    t.throws(
      () => planFromAnswer(sysctl, { name, value: 1 }, []),
      { message: /^name must be a kernel parameter/ },
      name,
    );
  t.throws(() => planFromAnswer(sysctl, { name: 'a.b' }, []), {
    message: 'value is required (unless state is absent)',
  });
  t.throws(() => planFromAnswer(sysctl, { name: 'a.b', value: '1\nkernel.x=1' }, []), {
    message: /^value must be one non-empty line/,
  });
  t.throws(() => planFromAnswer(sysctl, { name: 'a.b', value: 1, file: 'rel.conf' }, []), {
    message: 'file must be absolute: "rel.conf"',
  });
  const err = await t.throwsAsync(
    sysctl(localHost({ check: true }).host, { name: 'a.b', value: 1, persist: false, runtime: false }),
  );
  t.regex(
    err!.message,
    /^sysctl failed on localhost \(.*sysctl-fixtures\.test\.ts:\d+(:\d+)?\): persist and runtime are both false/,
  );
});

test('the probe run by dash on this machine: a real key (value as /proc/sys has it) and a missing one', (t) => {
  t.is(procPath('net/ipv4/conf/eth0.1/rp_filter'), '/proc/sys/net/ipv4/conf/eth0.1/rp_filter');
  for (const name of ['net.ipv4.ip_forward', 'net.ipv4.ip_local_port_range', 'net.ipv4.drover_no_such_key']) {
    const frame = new ProbeFrame();
    const p = { name, persist: false };
    const out = execFileSync('dash', ['-c', sysctlFacts.build(p, frame).text]);
    const got = parseLive(frame.parse(out, sysctlSections(false)));
    const want = name.includes('drover') ? undefined : readFileSync(procPath(name), 'utf8').replace(/\n$/, '');
    t.is(got, want, name);
  }
});
