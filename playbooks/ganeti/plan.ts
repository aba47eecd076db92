// Pure planning for playbooks/ganeti: /etc/hosts lines, USE flags, packages, keywords (no I/O, unit-tested).
import type { ClusterVars, NodeVars } from './vars.ts';

/** One name every node must resolve: a node or the cluster. */
export interface HostsEntry {
  ip: string;
  fqdn: string;
}

/** /etc/hosts as the hostname module takes it: address → [fqdn, short name] (Ganeti's own format). */
export function hostsMap(entries: readonly HostsEntry[]): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const e of entries) {
    if (map[e.ip]) throw new Error(`/etc/hosts: ${e.fqdn} and ${map[e.ip][0]} have the same address ${e.ip}`);
    const short = e.fqdn.split('.')[0];
    map[e.ip] = short && short !== e.fqdn ? [e.fqdn, short] : [e.fqdn];
  }
  return map;
}

/** The /etc/hosts entries every node needs: all nodes and the cluster name (no DNS is assumed). */
export function hostsEntries(nodes: readonly { name: string; vars: NodeVars }[], cluster: ClusterVars): HostsEntry[] {
  return [
    ...nodes.map((n) => ({ ip: n.vars.publicIp, fqdn: n.name })),
    { ip: cluster.clusterAddress, fqdn: cluster.clusterName },
  ];
}

const HV_USE: Record<string, string> = { kvm: 'kvm', 'xen-pvm': 'xen', 'xen-hvm': 'xen', lxc: 'lxc' };

/** USE flags for app-emulation/ganeti from the enabled hypervisors and templates (REQUIRED_USE="|| ( kvm xen lxc )"). */
export function ganetiUse(c: ClusterVars): string[] {
  if (c.ganetiUse) return c.ganetiUse;
  const flags = new Set<string>();
  for (const hv of c.hypervisors) if (HV_USE[hv]) flags.add(HV_USE[hv]);
  // The fake hypervisor is built in; the ebuild still needs one real one.
  if (flags.size === 0) flags.add('kvm');
  if (c.diskTemplates.includes('drbd')) flags.add('drbd');
  return [...flags].sort();
}

/** One emerge call: atoms that share USE flags and a keyword. */
export interface PackageStep {
  atoms: string[];
  use?: string[];
  keywords?: string;
}

/**
 * What to emerge: Ganeti with its USE flags (~amd64: the main tree has it in testing only), DRBD
 * userland when DRBD is used (~amd64 too), QEMU for KVM, LVM when there is a VG, and extra packages.
 */
export function packageSteps(c: ClusterVars): PackageStep[] {
  const steps: PackageStep[] = [{ atoms: ['app-emulation/ganeti'], use: ganetiUse(c), keywords: '~amd64' }];
  if (c.diskTemplates.includes('drbd')) steps.push({ atoms: ['sys-cluster/drbd-utils'], keywords: '~amd64' });
  const plain = [
    ...(c.hypervisors.includes('kvm') ? ['app-emulation/qemu'] : []),
    ...(c.vgName ? ['sys-fs/lvm2'] : []),
    ...(c.extraPackages ?? []),
  ];
  if (plain.length) steps.push({ atoms: plain });
  return steps;
}

export const FILE_STORAGE_DEFAULT = '/srv/ganeti/file-storage';
