// Pure parts of playbooks/ganeti: /etc/hosts lines, USE flags, packages, /etc/conf.d/net, netifrc planning.
import test from 'ava';
import { ProbeFormatError } from 'drover';
import { confNet, netServices, planNetServices } from '../../../playbooks/ganeti/network.ts';
import { rootKey } from '../../../playbooks/ganeti/ssh.ts';
import { planFromAnswer } from '../../../modules/kit.ts';
import { ganetiUse, hostsEntries, hostsMap, packageSteps } from '../../../playbooks/ganeti/plan.ts';
import type { ClusterVars } from '../../../playbooks/ganeti/vars.ts';

const realCluster: ClusterVars = {
  clusterName: 'ganeti.example.org',
  clusterAddress: '10.1.0.10',
  master: 'node1.example.org',
  masterNetdev: 'br0',
  hypervisors: ['kvm'],
  diskTemplates: ['drbd', 'plain'],
  vgName: 'ganeti',
};
const labCluster: ClusterVars = {
  ...realCluster,
  masterNetdev: 'eth0',
  hypervisors: ['fake'],
  diskTemplates: ['file', 'diskless'],
  vgName: undefined,
};

test('hostsMap: one address per name, with the short alias; a shared address is an error', (t) => {
  t.deepEqual(
    hostsMap([
      { ip: '10.1.0.11', fqdn: 'node1.example.org' },
      { ip: '10.1.0.10', fqdn: 'ganeti.example.org' },
    ]),
    {
      '10.1.0.11': ['node1.example.org', 'node1'],
      '10.1.0.10': ['ganeti.example.org', 'ganeti'],
    },
  );
  t.throws(
    () =>
      hostsMap([
        { ip: '10.1.0.11', fqdn: 'a.example.org' },
        { ip: '10.1.0.11', fqdn: 'b.example.org' },
      ]),
    { message: /same address 10\.1\.0\.11/ },
  );
});

test('hostsEntries lists every node and the cluster name', (t) => {
  const entries = hostsEntries(
    [
      { name: 'node1.example.org', vars: { publicIp: '10.1.0.11' } },
      { name: 'node2.example.org', vars: { publicIp: '10.1.0.12' } },
    ],
    realCluster,
  );
  t.deepEqual(entries, [
    { ip: '10.1.0.11', fqdn: 'node1.example.org' },
    { ip: '10.1.0.12', fqdn: 'node2.example.org' },
    { ip: '10.1.0.10', fqdn: 'ganeti.example.org' },
  ]);
});

test('USE flags follow hypervisors and templates; REQUIRED_USE holds for the fake hypervisor', (t) => {
  t.deepEqual(ganetiUse(realCluster), ['drbd', 'kvm']);
  t.deepEqual(ganetiUse({ ...realCluster, hypervisors: ['xen-pvm', 'lxc'], diskTemplates: ['plain'] }), ['lxc', 'xen']);
  t.deepEqual(ganetiUse(labCluster), ['kvm']);
  t.deepEqual(ganetiUse({ ...labCluster, ganetiUse: ['lxc'] }), ['lxc']);
});

test('packageSteps: ganeti with USE and ~amd64; drbd-utils only with drbd; QEMU with kvm, LVM with a VG', (t) => {
  t.deepEqual(packageSteps(realCluster), [
    { atoms: ['app-emulation/ganeti'], use: ['drbd', 'kvm'], keywords: '~amd64' },
    { atoms: ['sys-cluster/drbd-utils'], keywords: '~amd64' },
    { atoms: ['app-emulation/qemu', 'sys-fs/lvm2'] },
  ]);
  t.deepEqual(packageSteps(labCluster), [{ atoms: ['app-emulation/ganeti'], use: ['kvm'], keywords: '~amd64' }]);
});

test('confNet writes netifrc strings (no arrays): port null, bridge, address, route, DRBD interface', (t) => {
  const text = confNet({
    publicIp: '10.1.0.11',
    drbdIp: '192.168.1.11',
    bridge: 'br0',
    publicInterface: 'eth0',
    publicPrefix: 23,
    gateway: '10.1.0.1',
    drbdInterface: 'eth1',
  });
  t.truthy(text);
  const lines = text!.split('\n');
  t.true(lines.includes('config_eth0="null"'));
  t.true(lines.includes('bridge_br0="eth0"'));
  t.true(lines.includes('config_br0="10.1.0.11/23"'));
  t.true(lines.includes('routes_br0="default via 10.1.0.1"'));
  t.true(lines.includes('config_eth1="192.168.1.11/24"'));
  t.false(text!.includes('=('), 'no bash arrays');
  t.is(confNet({ publicIp: '10.1.0.11' }), undefined, 'no bridge, no file');
  t.throws(() => confNet({ publicIp: '$(reboot)', bridge: 'br0' }), { message: /shell metacharacters/ });
});

test('netServices: link, enable and start what is missing; take the port out of the runlevel (planned from probe answers)', (t) => {
  const p = { bridge: 'br0', port: 'eth0', drbdInterface: 'eth1' };
  const plan = planFromAnswer(netServices, p, [
    ['netifrc', ''],
    ['facts', 'enabled net.eth0\nstarted net.eth0\n'],
  ]);
  // the port's service is stopped before the bridge starts (netifrc leaves the address on a started port)
  t.deepEqual(plan.result.actions, [
    'link net.br0',
    'enable net.br0',
    'disable net.eth0',
    'stop net.eth0',
    'start net.br0',
    'link net.eth1',
    'enable net.eth1',
    'start net.eth1',
  ]);
  t.true(plan.result.changed);
  t.is(plan.result.message, plan.result.actions.join(', '));
  t.is(typeof plan.apply, 'function');
  const done = ['br0', 'eth1'].flatMap((i) => [`linked net.${i}`, `enabled net.${i}`, `started net.${i}`]).join('\n');
  t.deepEqual(
    planFromAnswer(netServices, p, [
      ['netifrc', ''],
      ['facts', done],
    ]),
    { result: { changed: false, actions: [] } },
  );
  t.deepEqual(planNetServices(p, new Set(done.split('\n'))), []);
  // a node left by the old sequence (bridge up next to a started net.eth0): the port stopped, the bridge restarted
  t.deepEqual(planNetServices(p, new Set([...done.split('\n'), 'started net.eth0'])), [
    'stop net.eth0',
    'restart net.br0',
  ]);
});

test('netServices: no netifrc (the lab) is skipped, saying what was not done; odd answers and names are refused', (t) => {
  const p = { bridge: 'br0', port: 'eth0' };
  const plan = planFromAnswer(netServices, p, [
    ['netifrc', '', 1],
    ['facts', ''],
  ]);
  t.deepEqual(plan.result, {
    changed: false,
    actions: [],
    skipped:
      'netifrc is not installed (no /etc/init.d/net.lo): /etc/conf.d/net is written, but net.br0 are not linked, enabled or started',
  });
  t.is(plan.apply, undefined);
  t.throws(
    () =>
      planFromAnswer(netServices, p, [
        ['netifrc', ''],
        ['facts', 'started net.br0\nno-netifrc\n'],
      ]),
    { instanceOf: ProbeFormatError },
  );
  t.throws(
    () =>
      planFromAnswer(netServices, { ...p, bridge: '-br0' }, [
        ['netifrc', ''],
        ['facts', ''],
      ]),
    { message: /^bridge "-br0" is not an interface name/ },
  );
});

test('rootKey: the key, none yet before init, or a file that is no key (no host prefix: ModuleError adds it)', (t) => {
  const key = 'ssh-rsa AAAAB3NzaC1yc2E root@node1';
  t.deepEqual(planFromAnswer(rootKey, {}, [['key', `${key}\n`]]).result, {
    changed: false,
    key,
    path: '/root/.ssh/id_rsa.pub',
    message: '/root/.ssh/id_rsa.pub: ssh-rsa',
  });
  t.deepEqual(planFromAnswer(rootKey, {}, [['key', '', 1]]).result, {
    changed: false,
    message: 'root has no SSH key yet (gnt-cluster init creates it)',
  });
  t.throws(() => planFromAnswer(rootKey, { type: 'ecdsa' }, [['key', 'hello\n']]), {
    message: '/root/.ssh/id_ecdsa.pub does not hold an OpenSSH public key',
  });
});
