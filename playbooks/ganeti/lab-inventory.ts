// Builds playbooks/ganeti's inventory for a local lab (drover/lab, the lab's public API) from its state: fake hypervisor, file/diskless.
import { inventory, type HostVars, type InventorySpec } from 'drover';
import { labState, type LabHostState, type LabState } from 'drover/lab';
import type { ClusterVars, NodeVars } from './vars.ts';

/** The parts of a lab's state this inventory reads. */
export type LabStateLike = Pick<LabState, 'name' | 'profile' | 'keyFile' | 'knownHostsFile' | 'cluster'> & { hosts: Pick<LabHostState, 'name' | 'short' | 'address'>[] };

/** The state of lab `name` (what `drover lab up` recorded); a clear error when that lab is not up or not a ganeti lab. */
export async function readLabState(name = 'lab'): Promise<LabState> {
  const state = await labState(name);
  if (!state) throw new Error(`no lab is up: run \`npx drover lab up --profile ganeti\` (lab '${name}' has no state)`);
  if (state.profile !== 'ganeti' || !state.cluster) {
    throw new Error(`lab '${name}' has profile ${state.profile}, not ganeti: run \`npx drover lab down\` then \`npx drover lab up --profile ganeti\``);
  }
  return state;
}

/** An address in the lab subnet for the demo instance's routed NIC (x.y.z.201; the hosts use .11 and up). */
function instanceIp(clusterAddress: string): string {
  return clusterAddress.replace(/\.\d+$/, '.201');
}

/**
 * The lab's Ganeti inventory. The lab is Debian with OpenRC and real Ganeti 3.0.2, without DRBD, KVM or
 * netifrc: the fake hypervisor, file and diskless templates, master IP on eth0, routed NICs (there is
 * no bridge for bridged NICs), ENODESETUP ignored (no /proc/sysrq-trigger). The bridge settings are
 * still given, so the playbook writes /etc/conf.d/net as on real nodes and says what it skipped.
 */
export function labInventory(state: LabStateLike): InventorySpec<NodeVars & ClusterVars> {
  if (!state.cluster) throw new Error(`lab '${state.name}' has no cluster name/address: is it a ganeti-profile lab?`);
  if (state.hosts.length === 0) throw new Error(`lab '${state.name}' has no hosts`);
  const hosts: Record<string, HostVars<NodeVars>> = {};
  for (const h of state.hosts) {
    hosts[h.name] = { ansible_host: h.address, publicIp: h.address, bridge: 'br0', publicInterface: 'eth0', publicPrefix: 24 };
  }
  const cluster: ClusterVars = {
    clusterName: state.cluster.name,
    clusterAddress: state.cluster.address,
    master: state.hosts[0].name,
    masterNetdev: 'eth0',
    masterNetmask: 24,
    hypervisors: ['fake'],
    diskTemplates: ['file', 'diskless'],
    nicParams: { mode: 'routed', link: '100' },
    backendParams: { vcpus: 1, maxmem: '128M', minmem: '128M' },
    fileStorageDir: '/srv/ganeti/file-storage',
    verifyIgnore: ['ENODESETUP'],
    instances: [
      {
        name: 'inst1.example.org',
        os: 'noop',
        template: 'file',
        disks: ['1G'],
        // Routed NICs need an address ("Routed nic mode requires an ip address"): one past the cluster IP's range.
        nics: [{ ip: instanceIp(state.cluster.address) }],
        node: state.hosts[state.hosts.length > 1 ? 1 : 0].name,
        nameCheck: false,
      },
    ],
  };
  return inventory<NodeVars & ClusterVars>({
    vars: { ansible_user: 'root', ansible_ssh_private_key_file: state.keyFile, known_hosts_file: state.knownHostsFile },
    children: { ganeti: { hosts, vars: { ...cluster } } },
  });
}
