// A production-shaped inventory for playbooks/ganeti.ts on real Gentoo nodes: copy it, edit, run with -i.
//
//   cp inventory/production.example.ts ~/ganeti/inventory.ts   # then edit names and addresses
//   npx drover run playbooks/ganeti.ts -i ~/ganeti/inventory.ts --check --diff   # read the plan
//   npx drover run playbooks/ganeti.ts -i ~/ganeti/inventory.ts
//
// Network shape (the 2010 recipe's, still the usual one):
//   public  10.1.0.0/23 on br0 (eth0 is its port): SSH, the cluster IP, the instances' NICs
//   DRBD    192.168.1.0/24 on eth1: disk replication only (gnt-node add -s, gnt-cluster init -s)
// Storage: one blank disk per node (/dev/sdb) becomes the volume group `ganeti` (>= 20 GiB);
// instances use drbd (replicated) or plain (local) disks on it.
import { inventory } from 'drover';
import type { ClusterVars, NodeVars } from '../playbooks/ganeti/vars.ts';

// Fields every node shares: the bridge, its port, the DRBD interface, the VG's disk.
const node = (publicIp: string, drbdIp: string): NodeVars => ({
  publicIp,
  drbdIp,
  bridge: 'br0',
  publicInterface: 'eth0',
  publicPrefix: 23,
  gateway: '10.1.0.1',
  drbdInterface: 'eth1',
  drbdPrefix: 24,
  // pvcreate runs only when `blkid -p /dev/sdb` finds nothing on it: drover never wipes data.
  vgDevices: ['/dev/sdb'],
});

const cluster: ClusterVars = {
  // Must resolve (drover writes it into every /etc/hosts) to an address NO host uses yet:
  // Ganeti brings it up on the master's br0 ("Cluster IP already active" otherwise).
  clusterName: 'ganeti.example.org',
  clusterAddress: '10.1.0.10',
  // The node that runs gnt-cluster init and, from there, gnt-node add for the others.
  master: 'node1.example.org',
  masterNetdev: 'br0',
  masterNetmask: 23,
  hypervisors: ['kvm'],
  hypervisorParams: { kvm: { kernel_path: '/boot/guest/vmlinuz-x86_64' } },
  // drbd first = the default template. Listing drbd also makes the play set up the DRBD module
  // (/etc/modprobe.d/drbd.conf, /etc/modules-load.d/drbd.conf) and install sys-cluster/drbd-utils.
  diskTemplates: ['drbd', 'plain'],
  nicParams: { mode: 'bridged', link: 'br0' },
  backendParams: { vcpus: 2, maxmem: '512M', minmem: '512M' },
  vgName: 'ganeti',
  // An OS provider for instances (gnt-instance add -o debootstrap+default).
  extraPackages: ['app-emulation/ganeti-instance-debootstrap'],
  // Real nodes should verify clean: ignore nothing.
  verifyIgnore: [],
  // Uncomment to have the play create a first instance once the cluster verifies:
  // instances: [{ name: 'vm1.example.org', os: 'debootstrap+default', template: 'drbd', disks: ['10G'],
  //               node: 'node1.example.org', secondaryNode: 'node2.example.org' }],
};

export default inventory<NodeVars & ClusterVars>({
  vars: {
    ansible_user: 'root',
    // The key drover logs in with. The nodes' host keys must already be in your known_hosts
    // (~/.ssh/known_hosts, or name another file with known_hosts_file): check their fingerprints once,
    // or run once with --accept-new-host-keys. gnt-node add replaces a node's host keys with the
    // cluster's; drover then records the cluster's keys for that node there itself.
    ansible_ssh_private_key_file: '~/.ssh/id_ed25519',
  },
  children: {
    ganeti: {
      hosts: {
        'node1.example.org': { ansible_host: '10.1.0.11', ...node('10.1.0.11', '192.168.1.11') },
        'node2.example.org': { ansible_host: '10.1.0.12', ...node('10.1.0.12', '192.168.1.12') },
        'node3.example.org': { ansible_host: '10.1.0.13', ...node('10.1.0.13', '192.168.1.13') },
      },
      vars: { ...cluster },
    },
  },
});
