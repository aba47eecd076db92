// The README's example playbook against three lab hosts: --check, a real run with diffs, a second run changing nothing.
import test from 'ava';
import { labExec } from '../../lab/index.ts';
import { labSerialTest, useLab } from '../support/lab.ts';
import { drover, recap } from '../support/cli.ts';

const lab = useLab(test, { name: 'hello', hosts: 3, profile: 'base' });
const labTest = labSerialTest(test);

labTest('--check shows the diffs and changes nothing', async (t) => {
  const state = lab();
  const before = await labExec(state, 'node1', ['cat', '/etc/motd']);
  const r = await drover([
    'run',
    'playbooks/hello.ts',
    '-i',
    state.inventoryFile,
    '--check',
    '--diff',
    '-e',
    'motd=Hello from drover',
  ]);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /^\+Hello from drover$/m);
  t.regex(r.stdout, /^\+PrintMotd yes$/m);
  t.regex(r.stdout, /RECAP \(check mode\)/);
  const after = await labExec(state, 'node1', ['cat', '/etc/motd']);
  t.is(after.stdout, before.stdout);
  t.not((await labExec(state, 'node1', ['test', '-e', '/etc/drover-kernel'])).code, 0);
});

labTest('a real run converges every host; the second run changes nothing', async (t) => {
  const state = lab();
  const first = await drover([
    'run',
    'playbooks/hello.ts',
    '-i',
    state.inventoryFile,
    '--json',
    '-e',
    'motd=Hello from drover',
  ]);
  t.is(first.code, 0, first.stdout + first.stderr);
  for (const h of state.hosts) {
    t.is(recap(first)[h.name].changed, 3, h.name);
    t.is((await labExec(state, h.short, ['cat', '/etc/motd'])).stdout, 'Hello from drover\nManaged by drover.\n');
    t.regex((await labExec(state, h.short, ['cat', '/etc/ssh/sshd_config'])).stdout, /^PrintMotd yes$/m);
  }
  const kernel = (await labExec(state, 'node1', ['uname', '-r'])).stdout;
  t.is(
    (await labExec(state, 'node3', ['cat', '/etc/drover-kernel'])).stdout,
    kernel,
    'a value from one host reached the others',
  );
  const second = await drover([
    'run',
    'playbooks/hello.ts',
    '-i',
    state.inventoryFile,
    '--json',
    '-e',
    'motd=Hello from drover',
  ]);
  t.is(second.code, 0, second.stdout + second.stderr);
  for (const h of state.hosts) t.is(recap(second)[h.name].changed, 0, h.name);
});

labTest('a host lacking a var the playbook requires is named before anything runs', async (t) => {
  const state = lab();
  const r = await drover(['run', 'playbooks/hello.ts', '-i', state.inventoryFile]);
  t.is(r.code, 1);
  t.regex(r.stderr, /host node1\.example\.org lacks motd/);
});
