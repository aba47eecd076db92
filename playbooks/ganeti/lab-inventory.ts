// Builds playbooks/ganeti's inventory for a local lab (drover/lab, the lab's public API) from its state: fake hypervisor, file/diskless.
import { inventory, type HostVars, type InventorySpec } from 'drover';
import { labState, type LabHostState, type LabState } from 'drover/lab';
import type { ClusterVars, NodeVars } from './vars.ts';

/** The parts of a lab's state this inventory reads. */
export type LabStateLike = Pick<LabState, 'name' | 'profile' | 'keyFile' | 'knownHostsFile' | 'cluster'> &
  Partial<Pick<LabState, 'gateway'>> & { hosts: Pick<LabHostState, 'name' | 'short' | 'address'>[] };

/** The state of lab `name` (what `drover lab up` recorded); a clear error when that lab is not up or not a ganeti lab. */
export async function readLabState(name = 'lab'): Promise<LabState> {
  const state = await labState(name);
  if (!state) throw new Error(`no lab is up: run \`npx drover lab up --profile ganeti\` (lab '${name}' has no state)`);
  if ((state.profile !== 'ganeti' && state.profile !== 'ganeti-real') || !state.cluster) {
    throw new Error(
      `lab '${name}' has profile ${state.profile}, not ganeti: run \`npx drover lab down\` then \`npx drover lab up --profile ganeti\``,
    );
  }
  return state;
}

/** An address in the lab subnet for a demo instance's routed NIC (x.y.z.201, .202, ...; the hosts use .11 and up). */
function instanceIp(clusterAddress: string, n = 1): string {
  return clusterAddress.replace(/\.\d+$/, `.${200 + n}`);
}

/**
 * The lab's Ganeti inventory. The lab runs OpenRC, real netifrc and Portage, and Debian's Ganeti 3.0.2,
 * without DRBD or KVM (the kernel's): the fake hypervisor, file and diskless templates, ENODESETUP
 * ignored (no /proc/sysrq-trigger). The network is a real node's: the playbook moves each node's address
 * from eth0 onto the bridge br0 (netifrc), the master IP goes on br0 and instances' NICs are bridged to
 * br0. `bridge: false` leaves eth0 as it is (a test about something else saves the switch): master IP on
 * eth0 and routed NICs, each with its own address.
 */
export function labInventory(
  state: LabStateLike,
  options: { bridge?: boolean } = {},
): InventorySpec<NodeVars & ClusterVars> {
  const bridged = options.bridge ?? true;
  if (!state.cluster) throw new Error(`lab '${state.name}' has no cluster name/address: is it a ganeti-profile lab?`);
  if (state.hosts.length === 0) throw new Error(`lab '${state.name}' has no hosts`);
  const hosts: Record<string, HostVars<NodeVars>> = {};
  for (const h of state.hosts) {
    hosts[h.name] = { ansible_host: h.address, publicIp: h.address, publicInterface: 'eth0', publicPrefix: 24 };
    // routes_br0 keeps the node's default route once its address is on br0
    if (bridged) Object.assign(hosts[h.name], { bridge: 'br0', ...(state.gateway ? { gateway: state.gateway } : {}) });
  }
  const cluster: ClusterVars = {
    clusterName: state.cluster.name,
    clusterAddress: state.cluster.address,
    master: state.hosts[0].name,
    masterNetdev: bridged ? 'br0' : 'eth0',
    masterNetmask: 24,
    hypervisors: ['fake'],
    diskTemplates: ['file', 'diskless'],
    nicParams: bridged ? { mode: 'bridged', link: 'br0' } : { mode: 'routed', link: '100' },
    backendParams: { vcpus: 1, maxmem: '128M', minmem: '128M' },
    fileStorageDir: '/srv/ganeti/file-storage',
    verifyIgnore: ['ENODESETUP'],
    instances: [
      {
        name: 'inst1.example.org',
        os: 'noop',
        template: 'file',
        disks: ['1G'],
        // Bridged: one NIC with the cluster's NIC params. Routed NICs need an address ("Routed nic mode
        // requires an ip address"): one past the cluster IP's range.
        nics: bridged ? [{}] : [{ ip: instanceIp(state.cluster.address) }],
        node: state.hosts[state.hosts.length > 1 ? 1 : 0].name,
        nameCheck: false,
      },
      {
        // Diskless: the one template that migrates in the lab (the fake hypervisor migrates; file disks
        // do not move, and sharedfile would need a directory every lab host shares). The rolling
        // maintenance (playbooks/ganeti-maintenance.ts) migrates it live and brings it back here.
        name: 'inst2.example.org',
        os: 'noop',
        template: 'diskless',
        nics: bridged ? [{}] : [{ ip: instanceIp(state.cluster.address, 2) }],
        // The third node (or the last of a smaller lab): a 4th node joining later does not move it.
        node: state.hosts[Math.min(2, state.hosts.length - 1)].name,
        nameCheck: false,
      },
    ],
  };
  return inventory<NodeVars & ClusterVars>({
    vars: { ansible_user: 'root', ansible_ssh_private_key_file: state.keyFile, known_hosts_file: state.knownHostsFile },
    children: { ganeti: { hosts, vars: { ...cluster } } },
  });
}
