// The lab inventory builder: the ganeti group with per-node and cluster vars from a lab's state; clear errors.
import test from 'ava';
import { labInventory, readLabState, type LabStateLike } from '../../../playbooks/ganeti/lab-inventory.ts';

const state: LabStateLike = {
  name: 'x',
  profile: 'ganeti',
  keyFile: '/run/drover/lab/x/id_ed25519',
  knownHostsFile: '/run/drover/lab/x/known_hosts',
  hosts: [1, 2, 3].map((i) => ({ name: `node${i}.example.org`, short: `node${i}`, address: `10.88.7.${10 + i}` })),
  cluster: { name: 'cluster.example.org', address: '10.88.7.100' },
  gateway: '10.88.7.1',
};

test('labInventory: ganeti hosts with their addresses, cluster vars for the fake hypervisor', (t) => {
  const inv = labInventory(state);
  t.is(inv.vars?.ansible_ssh_private_key_file, state.keyFile);
  t.is(inv.vars?.known_hosts_file, state.knownHostsFile);
  const g = inv.children?.ganeti;
  t.truthy(g);
  t.deepEqual(Object.keys(g!.hosts as object), ['node1.example.org', 'node2.example.org', 'node3.example.org']);
  const h2 = (g!.hosts as Record<string, Record<string, unknown>>)['node2.example.org'];
  t.is(h2.ansible_host, '10.88.7.12');
  t.is(h2.publicIp, '10.88.7.12');
  t.is(h2.bridge, 'br0');
  t.is(h2.publicInterface, 'eth0');
  t.is(h2.gateway, '10.88.7.1', 'routes_br0 keeps the default route once the address is on br0');
  const v = g!.vars!;
  t.is(v.master, 'node1.example.org');
  t.is(v.clusterAddress, '10.88.7.100');
  t.deepEqual(v.hypervisors, ['fake']);
  t.deepEqual(v.verifyIgnore, ['ENODESETUP']);
  // the master IP and instances' NICs on the bridge netifrc makes, as on a real node
  t.is(v.masterNetdev, 'br0');
  t.deepEqual(v.nicParams, { mode: 'bridged', link: 'br0' });
  const inst = v.instances![0];
  t.deepEqual(inst.nics, [{}]);
  t.is(inst.node, 'node2.example.org');
});

test('labInventory with bridge: false: eth0 left as it is, master IP on eth0, routed NICs with their own addresses', (t) => {
  const g = labInventory(state, { bridge: false }).children!.ganeti!;
  const h2 = (g.hosts as Record<string, Record<string, unknown>>)['node2.example.org'];
  t.is(h2.bridge, undefined);
  t.is(g.vars!.masterNetdev, 'eth0');
  t.deepEqual(g.vars!.nicParams, { mode: 'routed', link: '100' });
  t.is(g.vars!.instances![0].nics?.[0].ip, '10.88.7.201');
});

test('readLabState: a lab that is not up gets the command that brings it up', async (t) => {
  await t.throwsAsync(readLabState('nosuchlab'), {
    message: /^no lab is up: run `npx drover lab up --profile ganeti` \(lab 'nosuchlab' has no state\)/,
  });
});

test('labInventory: a lab without a cluster (not the ganeti profile) is refused', (t) => {
  t.throws(() => labInventory({ ...state, profile: 'base', cluster: undefined }), {
    message: /no cluster name\/address: is it a ganeti-profile lab/,
  });
});
