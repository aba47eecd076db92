// sysctl on a lab host (Debian, base profile): net.* keys, which are the host's own network namespace's; twice each, and --check.
import test from 'ava';
import { sh } from '../../../core/sh.ts';
import type { RunHost } from '../../../core/host.ts';
import { sysctl } from '../../../modules/system/sysctl.ts';
import { labHostOpener, labSerialTest, useLab } from '../../support/lab.ts';

// Only net.* keys: a lab host is a network namespace, so those are its own. kernel.*, vm.* and fs.* are the
// machine's (writable from the host as root: writing one would change every process on the machine).
const lab = useLab(test, { name: 'sysctl', hosts: 1, profile: 'base' });
const labTest = labSerialTest(test);
const openHost = labHostOpener(test, lab);
let main: RunHost<Record<string, unknown>> | undefined;
const h = () => (main ??= openHost().host);
const F = '/etc/sysctl.d/99-drover.conf';

const read = async (cmd: ReturnType<typeof sh>) => (await h().exec(cmd, { allowFail: true })).stdout;

labTest('--check reports the change and changes nothing', async (t) => {
  t.is(await read(sh`cat /proc/sys/net/ipv4/ip_forward`), '0\n');
  const r = await sysctl(openHost({ check: true }).host, { name: 'net.ipv4.ip_forward', value: 1 });
  t.like(r, { changed: true, before: '0', message: `0 → 1; ${F}: created` });
  t.is(await read(sh`cat /proc/sys/net/ipv4/ip_forward`), '0\n');
  t.is((await h().exec(sh`test -e ${F}`, { allowFail: true })).code, 1);
});

labTest('set and persisted, then nothing to do; a multi-value key written as a list', async (t) => {
  const r = await sysctl(h(), { name: 'net.ipv4.ip_forward', value: true });
  t.like(r, { changed: true, before: '0' });
  t.is(await read(sh`cat /proc/sys/net/ipv4/ip_forward`), '1\n');
  t.is(await read(sh`cat ${F}`), 'net.ipv4.ip_forward = 1\n');
  t.false((await sysctl(h(), { name: 'net.ipv4.ip_forward', value: 1 })).changed);

  const ports = { name: 'net.ipv4.ip_local_port_range', value: [20000, 60000] };
  t.true((await sysctl(h(), ports)).changed);
  t.is(await read(sh`cat /proc/sys/net/ipv4/ip_local_port_range`), '20000\t60000\n');
  const again = await sysctl(h(), ports);
  t.false(again.changed);
  t.is(again.before, '20000\t60000');
  t.is(await read(sh`cat ${F}`), 'net.ipv4.ip_forward = 1\nnet.ipv4.ip_local_port_range = 20000 60000\n');
  // what sysctl itself reads at boot: the file parses and sets the same values
  t.is(
    (await h().exec(sh`sysctl -p ${F}`)).stdout,
    'net.ipv4.ip_forward = 1\nnet.ipv4.ip_local_port_range = 20000 60000\n',
  );
});

labTest(
  'a value the kernel refuses, or keeps otherwise than written, is an error, not a change every run',
  async (t) => {
    // tcp_ecn takes 0-2: sysctl -w fails (EINVAL) and the error carries its complaint
    await t.throwsAsync(sysctl(h(), { name: 'net.ipv4.tcp_ecn', value: 7, persist: false }), {
      message: /^sysctl failed on node1\.example\.org .*net\.ipv4\.tcp_ecn/s,
    });
    // ip_forward reads "01" as 1: the read-back says what to write instead
    await t.throwsAsync(sysctl(h(), { name: 'net.ipv4.ip_forward', value: '01', persist: false }), {
      message:
        /the kernel reads back net\.ipv4\.ip_forward = "1" after writing "01": write the value as the kernel prints it$/,
    });
    await t.throwsAsync(sysctl(h(), { name: 'net.ipv4.drover_nope', value: 1 }), {
      message: /no kernel parameter net\.ipv4\.drover_nope \(no \/proc\/sys\/net\/ipv4\/drover_nope;/,
    });
  },
);

labTest('absent: the line goes, the running value stays; twice', async (t) => {
  const r = await sysctl(h(), { name: 'net.ipv4.ip_forward', state: 'absent' });
  t.deepEqual(r.changes, [
    {
      path: F,
      before: 'net.ipv4.ip_forward = 1\nnet.ipv4.ip_local_port_range = 20000 60000\n',
      after: 'net.ipv4.ip_local_port_range = 20000 60000\n',
    },
  ]);
  t.is(await read(sh`cat /proc/sys/net/ipv4/ip_forward`), '1\n');
  t.false((await sysctl(h(), { name: 'net.ipv4.ip_forward', state: 'absent' })).changed);
});
