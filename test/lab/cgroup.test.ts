// The lab's systemd profile, pure parts: where the machine's cgroup2 hierarchy is, and how debian hosts are built and run.
import test from 'ava';
import { cgroup2Root } from '../../lab/cgroup.ts';
import { hostMode } from '../../lab/hosts.ts';
import { layerChain } from '../../lab/layers.ts';

test('cgroup2Root: a hybrid machine (v1 controllers, cgroup2 at .../unified) and a pure cgroup2 one', (t) => {
  // recorded on this machine (hybrid): lines of its /proc/self/mountinfo; then a systemd machine's (pure cgroup2)
  const hybrid = [
    '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
    '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
    '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  ].join('\n');
  t.is(cgroup2Root(hybrid), '/sys/fs/cgroup/unified');
  t.is(
    cgroup2Root('30 24 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n'),
    '/sys/fs/cgroup',
  );
  t.is(cgroup2Root('34 33 0:31 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n'), undefined);
});

test('profile debian: Debian base + the debian layer, systemd as init', (t) => {
  t.deepEqual(layerChain('debian'), ['base', 'debian']);
  t.is(hostMode('debian'), 'systemd');
  t.is(hostMode('base'), 'sshd');
});
