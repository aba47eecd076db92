// Lab ganeti profile: Ganeti 3.0.2 installed under OpenRC, cluster names in place, sshd restartable, a real cluster can be initialised.
import test from 'ava';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { isOurProcess } from '../../lab/proc.ts';
import { readRecord } from '../../lab/state.ts';
import { useLab, labSerialTest } from '../support/lab.ts';

const lab = useLab(test, { name: 'labgnt', hosts: 2, profile: 'ganeti' });
// Reported as skipped (not failed) where the lab cannot run: not root, not Linux, a tool missing.
const labTest = labSerialTest(test);

function ssh(node: string, command: string) {
  return spawnSync(
    'ssh',
    ['-F', lab().sshConfigFile, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', node, command],
    { encoding: 'utf8', timeout: 120_000 },
  );
}

labTest('gnt-cluster --version is 3.0.2; ganeti is an OpenRC service, installed but not enabled', (t) => {
  const r = ssh(
    'node1',
    'gnt-cluster --version; rc-service ganeti status; rc-update show default | grep -c ganeti; test -d /srv/ganeti/os/noop || ls /usr/share/ganeti/os',
  );
  t.regex(r.stdout, /^gnt-cluster \(ganeti [^)]*\) 3\.0\.2$/m);
  // Debian's LSB script under OpenRC: `status` reports each daemon (none runs before cluster init).
  t.regex(r.stdout, /ganeti-noded is not running/);
  t.regex(r.stdout, /^0$/m);
  t.regex(r.stdout, /noop/);
});

labTest('state, inventory and /etc/hosts name the cluster; hosts have RSA host keys', (t) => {
  const s = lab();
  t.deepEqual(s.cluster, { name: 'cluster.example.org', address: s.subnet.replace(/0\/24$/, '100') });
  const inv = parse(readFileSync(s.inventoryFile, 'utf8'));
  t.deepEqual(Object.keys(inv.all.children.ganeti.hosts), ['node1.example.org', 'node2.example.org']);
  const r = ssh('node2', 'cat /etc/hosts; ls /etc/ssh/ssh_host_rsa_key.pub; hostname');
  t.true(r.stdout.includes(`${s.cluster!.address}\tcluster.example.org cluster`));
  t.regex(r.stdout.trim(), /node2\.example\.org$/);
});

labTest('`service ssh restart` (what daemon-util reload-ssh-keys runs) restarts sshd, the host stays up', (t) => {
  const rec = readRecord('labgnt')!;
  const r = ssh('node2', 'service ssh restart && rc-service sshd restart && rc-service sshd status');
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /status: started/);
  t.true(rec.hosts.every((h) => isOurProcess(h.pid, rec.hostStartTimes[h.name])));
  t.is(ssh('node2', 'hostname').stdout.trim(), 'node2.example.org');
});

labTest('a Ganeti cluster initialises on the fake hypervisor and a second node joins', async (t) => {
  for (const n of ['node1', 'node2'])
    ssh(n, 'mkdir -p /srv/ganeti/file-storage && echo /srv/ganeti/file-storage > /etc/ganeti/file-storage-paths');
  const init = ssh(
    'node1',
    'gnt-cluster init --enabled-hypervisors=fake --enabled-disk-templates=diskless,file --master-netdev=eth0 --nic-parameters=link=eth0 --no-etc-hosts cluster.example.org',
  );
  t.is(init.status, 0, init.stdout + init.stderr);
  const add = ssh('node1', 'gnt-node add --no-ssh-key-check node2.example.org');
  t.is(add.status, 0, add.stdout + add.stderr);
  const list = ssh('node1', 'gnt-node list --no-headers -o name,master_candidate; gnt-cluster getmaster');
  t.regex(list.stdout, /^node1\.example\.org\s+Y$/m);
  t.regex(list.stdout, /^node2\.example\.org\s+Y$/m);
  t.regex(list.stdout, /^node1\.example\.org$/m);
  // The master now holds the cluster address: sshd answers there too.
  t.true(await answers(lab().cluster!.address, 22));
  // The node daemon runs and OpenRC sees it through Debian's script (a non-master node runs noded and mond only).
  const svc = ssh(
    'node2',
    'rc-service ganeti status; rc-update add ganeti default && rc-update show default | grep -c ganeti',
  );
  t.is(svc.status, 0, svc.stdout + svc.stderr);
  t.regex(svc.stdout, /ganeti-noded is running/);
  t.regex(svc.stdout, /^1$/m);
});

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    sock.setTimeout(3000, () => (sock.destroy(), resolve(false)));
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}
