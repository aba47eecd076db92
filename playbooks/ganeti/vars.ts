// The typed vars of playbooks/ganeti.ts: what an inventory must give per node and for the whole cluster.
import type { InstanceParams, ParamValue } from 'drover/modules';

/** Per-node settings (host vars). The inventory host name is the node's FQDN. */
export interface NodeVars {
  /** The node's address on the public network: what its FQDN resolves to in /etc/hosts. */
  publicIp: string;
  /** Address on the private DRBD (replication) network (`gnt-node add -s`, `gnt-cluster init -s`). Omit: no separate network. */
  drbdIp?: string;
  /** Bridge that carries the public network and the instances' NICs (netifrc `bridge_br0`). Omit: no bridge is configured. */
  bridge?: string;
  /** The physical interface enslaved to the bridge (`config_eth0="null"`, `bridge_br0="eth0"`). */
  publicInterface?: string;
  /** Prefix length of publicIp on the bridge (`config_br0="10.1.0.11/23"`). Default 24. */
  publicPrefix?: number;
  /** Default gateway on the public network (`routes_br0="default via ..."`). */
  gateway?: string;
  /** Interface of the DRBD network (`config_eth1="192.168.1.11/24"`). */
  drbdInterface?: string;
  /** Prefix length of drbdIp. Default 24. */
  drbdPrefix?: number;
  /** Blank block devices for the cluster's LVM volume group (`pvcreate` only when `blkid -p` says blank). */
  vgDevices?: string[];
}

/**
 * An instance the play ensures once the cluster verifies (Ganeti's "next steps"): gnt.instance's params
 * (`node`/`secondaryNode` are inventory names; `template` one of ClusterVars.diskTemplates; the lab sets
 * `nameCheck: false`; routed NICs need an `ip`).
 */
export type InstanceVars = Omit<InstanceParams, 'backendParams' | 'hypervisorParams'>;

/** Cluster-wide settings (vars of the `ganeti` group or `all`). */
export interface ClusterVars {
  /** The cluster's FQDN (`gnt-cluster init NAME`). */
  clusterName: string;
  /** The address clusterName resolves to: unused by any host (Ganeti: "Cluster IP already active"). */
  clusterAddress: string;
  /** Inventory name of the node that runs `gnt-cluster init` and joins the others. */
  master: string;
  /** Interface for the master IP (`--master-netdev`): the bridge on real nodes. */
  masterNetdev: string;
  /** Netmask length of the master IP. */
  masterNetmask?: number;
  /** Enabled hypervisors, the first is the default: ['kvm'] on real nodes, ['fake'] in the lab. */
  hypervisors: string[];
  /** `-H` params per hypervisor: `{ kvm: { kernel_path: '/boot/guest/vmlinuz-x86_64' } }`. */
  hypervisorParams?: Record<string, Record<string, ParamValue>>;
  /** Enabled disk templates, the first is the default: ['drbd', 'plain'] on real nodes. DRBD steps run only when 'drbd' is here. */
  diskTemplates: string[];
  /** `-N` default NIC params: `{ mode: 'bridged', link: 'br0' }`. */
  nicParams?: Record<string, ParamValue>;
  /** `-B` default backend params: `{ vcpus: 2, maxmem: '512M', minmem: '512M' }`. */
  backendParams?: Record<string, ParamValue>;
  /** LVM volume group for plain/drbd (`--vg-name`); created from each node's vgDevices. */
  vgName?: string;
  /** Directory for the file disk template; listed in /etc/ganeti/file-storage-paths. Default /srv/ganeti/file-storage. */
  fileStorageDir?: string;
  /** Verify error codes to downgrade to warnings (`-I`), e.g. ['ENODESETUP'] where /proc/sysrq-trigger is missing. */
  verifyIgnore?: string[];
  /** Let Ganeti edit /etc/hosts too. Default false: drover owns /etc/hosts (`--no-etc-hosts`), so a rerun finds it unchanged. */
  ganetiEditsEtcHosts?: boolean;
  /** Extra packages (an OS provider such as app-emulation/ganeti-instance-debootstrap). */
  extraPackages?: string[];
  /** USE flags for app-emulation/ganeti. Default: from hypervisors and diskTemplates (kvm, xen, lxc, drbd). */
  ganetiUse?: string[];
  /** Instances to ensure after verify. */
  instances?: InstanceVars[];
}
