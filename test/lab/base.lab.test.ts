// Lab base profile: hosts come up with sshd, answer over real ssh under their names, cut/heal, disks, files the lab writes.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { sh } from '../../core/sh.ts';
import { labCut, labDisk, labExec, labHeal, labState } from '../../lab/index.ts';
import { readRecord } from '../../lab/state.ts';
import { useLab, labHost, labSerialTest } from '../support/lab.ts';

const lab = useLab(test, { name: 'labbase', hosts: 3 });
// Reported as skipped (not failed) where the lab cannot run: not root, not Linux, a tool missing.
const labTest = labSerialTest(test);

/** Real OpenSSH client with the lab's ssh_config (BatchMode: never a prompt). */
function ssh(node: string, command: string, extra: string[] = []) {
  return spawnSync('ssh', ['-F', lab().sshConfigFile, '-o', 'BatchMode=yes', ...extra, node, command], {
    encoding: 'utf8',
    timeout: 30_000,
  });
}

labTest('every host answers real ssh under its own name, verified by the lab known_hosts', (t) => {
  const s = lab();
  t.is(s.hosts.length, 3);
  for (const h of s.hosts) {
    const r = ssh(h.short, 'hostname; cat /etc/hostname; id -u');
    t.is(r.status, 0, r.stderr);
    t.deepEqual(r.stdout.trim().split('\n'), [h.name, h.name, '0']);
  }
  // StrictHostKeyChecking yes + the lab known_hosts: a host presenting another host's key is refused.
  const forged = spawnSync(
    'ssh',
    ['-F', s.sshConfigFile, '-o', 'BatchMode=yes', '-o', `HostKeyAlias=${s.hosts[1].name}`, s.hosts[0].short, 'true'],
    { encoding: 'utf8' },
  );
  t.not(forged.status, 0);
  t.regex(forged.stderr, /HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
});

labTest(
  'hosts have per-node ed25519 and RSA host keys, /etc/hosts with all nodes, and reach each other as root',
  (t) => {
    const s = lab();
    const known = readFileSync(s.knownHostsFile, 'utf8');
    for (const h of s.hosts) {
      t.regex(known, new RegExp(`^${h.name},${h.short},${h.address.replace(/\./g, '\\.')} ssh-ed25519 `, 'm'));
      t.regex(known, new RegExp(`^${h.name},${h.short},${h.address.replace(/\./g, '\\.')} ssh-rsa `, 'm'));
    }
    const keys = known
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[2]);
    t.is(new Set(keys).size, keys.length, 'no two hosts share a host key');
    const r = ssh('node2', 'cat /etc/hosts; ssh -o BatchMode=yes node3.example.org hostname');
    t.is(r.status, 0, r.stderr);
    for (const h of s.hosts) t.true(r.stdout.includes(`${h.address}\t${h.name} ${h.short}`));
    t.true(r.stdout.trim().endsWith('node3.example.org'));
  },
);

labTest("a host's root is its own: private /dev, own mounts and PIDs, no machine environment", async (t) => {
  const s = lab();
  const r = await labExec(s, 'node1', [
    'sh',
    '-c',
    'ls /dev; echo ---; cat /proc/mounts; echo ---; ps -eo pid=,comm= | head -1; echo ---; env',
  ]);
  t.is(r.code, 0, r.stderr);
  const [dev, mounts, pid1, env] = r.stdout.split('---\n');
  t.false(/\bvda\b|\bsda\b|\bloop\d/.test(dev), 'machine disks are not visible');
  const points = mounts
    .trim()
    .split('\n')
    .map((l) => l.split(' ')[1]);
  t.deepEqual(
    points.sort(),
    ['/', '/dev', '/dev/pts', '/dev/shm', '/proc', '/run', '/sys', '/tmp'],
    "only the host's own mounts",
  );
  t.regex(mounts, /^overlay \/ overlay /m);
  t.regex(pid1.trim(), /^1 sshd$/);
  t.false(/pyenv/i.test(env));
});

labTest('labHost: a drover Host over SSH to a lab host', async (t) => {
  const { host, close } = labHost(lab(), 2);
  t.teardown(close);
  const r = await host.exec(sh`hostname`);
  t.is(r.code, 0);
  t.is(r.stdout.trim(), 'node3.example.org');
});

labTest('status reads back the same state; state.json records the resources', async (t) => {
  const s = lab();
  t.deepEqual(await labState('labbase'), s);
  const rec = readRecord('labbase')!;
  t.is(rec.phase, 'up');
  t.is(rec.bridge, 'drb-labbase');
  t.deepEqual(
    rec.hosts.map((h) => h.veth),
    ['dv-labbase-1', 'dv-labbase-2', 'dv-labbase-3'],
  );
  t.true(rec.hosts.every((h) => h.veth.length <= 15));
  t.regex(s.subnet, /^10\.88\.\d+\.0\/24$/);
  t.deepEqual(
    s.hosts.map((h) => h.address.split('.')[3]),
    ['11', '12', '13'],
  );
});

labTest('inventory.yml is an Ansible YAML inventory of group lab', (t) => {
  const s = lab();
  const inv = parse(readFileSync(s.inventoryFile, 'utf8'));
  t.is(inv.all.vars.known_hosts_file, s.knownHostsFile);
  t.deepEqual(Object.keys(inv.all.children.lab.hosts), ['node1.example.org', 'node2.example.org', 'node3.example.org']);
  t.deepEqual(inv.all.children.lab.hosts['node2.example.org'], {
    ansible_host: s.hosts[1].address,
    ansible_user: 'root',
    ansible_ssh_private_key_file: s.keyFile,
  });
  t.is(inv.all.children.ganeti, undefined);
});

labTest('cut makes a host unreachable, heal brings it back', async (t) => {
  await labCut('labbase', 'node2');
  t.teardown(() => labHeal('labbase', 'node2'));
  const cut = ssh('node2', 'true', ['-o', 'ConnectTimeout=2']);
  t.not(cut.status, 0);
  t.regex(cut.stderr, /timed out|No route to host|Connection refused/);
  t.is(ssh('node1', 'true').status, 0, 'other hosts are untouched');
  await labHeal('labbase', 'node2');
  const healed = ssh('node2', 'hostname');
  t.is(healed.status, 0, healed.stderr);
  t.is(healed.stdout.trim(), 'node2.example.org');
});

labTest('disk: a loop-backed block device appears in one host only', async (t) => {
  const s = lab();
  const dev = await labDisk('labbase', 'node3', '64M');
  t.is(dev, '/dev/vdb');
  const r = ssh('node3', 'test -b /dev/vdb && blockdev --getsize64 /dev/vdb');
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout.trim(), String(64 * 1024 * 1024));
  t.not(ssh('node1', 'test -e /dev/vdb').status, 0, 'other hosts do not see it');
  const rec = readRecord('labbase')!;
  t.is(rec.disks.length, 1);
  t.regex(rec.disks[0].loop ?? '', /^\/dev\/loop\d+$/);
  await t.throwsAsync(labDisk('labbase', 'node3', '64M'), { message: /already has \/dev\/vdb/ });
  await t.throwsAsync(labDisk('labbase', 'node3', 'lots', { device: 'vdc' }), { message: /bad disk size/ });
  t.truthy(s);
});
