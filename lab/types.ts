// The lab's public types: profiles, the state of one instance and its hosts (what state.json holds).
// gentoo / ganeti run real Portage 3.0.82 and netifrc 0.7.14 (their layers are gentoo-real / ganeti-real; those
// profile names stay, meaning the same).
// debian: Debian 12 with systemd as PID 1 and cron (lab/layers/debian); base: Debian with sshd as PID 1.
export type LabProfile = 'base' | 'debian' | 'gentoo' | 'ganeti' | 'gentoo-real' | 'ganeti-real';
export const labProfiles: readonly LabProfile[] = ['base', 'debian', 'gentoo', 'ganeti', 'gentoo-real', 'ganeti-real'];

/**
 * Whether the profiles gentoo and ganeti run real Portage and netifrc (their layers are then gentoo-real and
 * ganeti-real, exactly as the profiles of those names). There is no stand-in to fall back on: where the
 * Portage or netifrc tarball is missing, `lab up` says so in one line and names the variable to set
 * (portage-sources.ts). Off, the gentoo layer has no Portage at all.
 */
export const realPortageByDefault: boolean = true;

/** Profiles whose hosts run Ganeti (a cluster name and address, the inventory group `ganeti`). */
export function isGanetiProfile(p: LabProfile): boolean {
  return p === 'ganeti' || p === 'ganeti-real';
}

/** Profiles whose hosts run netifrc: `net.eth0` gives eth0 its address (from /etc/conf.d/net), not the lab's init. */
export function usesNetifrc(p: LabProfile): boolean {
  return p === 'gentoo-real' || p === 'ganeti-real' || (realPortageByDefault && (p === 'gentoo' || p === 'ganeti'));
}

export interface LabHostState {
  /** FQDN, e.g. node1.example.org */
  name: string;
  /** short name, e.g. node1 */
  short: string;
  address: string;
  /** network namespace name (ip netns) */
  netns: string;
  /** machine-side veth (down = host unreachable) */
  veth: string;
  /** machine-side PID of the host's init (PID 1 in its namespaces); 0 until started */
  pid: number;
}

export interface LabState {
  name: string;
  profile: LabProfile;
  /** state dir: /run/drover/lab/<name> */
  dir: string;
  bridge: string;
  /** e.g. 10.88.3.0/24 */
  subnet: string;
  /** the bridge's address, the hosts' default route */
  gateway: string;
  keyFile: string;
  knownHostsFile: string;
  sshConfigFile: string;
  inventoryFile: string;
  hosts: LabHostState[];
  /** ganeti profile: the cluster name and its (unused until cluster init) address, in every host's /etc/hosts */
  cluster?: { name: string; address: string };
}

/** A loop-backed disk handed to a host by `lab disk`. */
export interface LabDiskRecord {
  host: string;
  /** path inside the host, e.g. /dev/vdb */
  device: string;
  /** sparse image on the machine */
  file: string;
  /** machine loop device, once attached */
  loop?: string;
}

/** What state.json holds: the public state plus every machine resource, recorded before it is created. */
export interface LabRecord extends LabState {
  /** layer roots the hosts' overlays use, top first (a layer in use is never pruned) */
  layers: string[];
  /** third octet of the subnet (10.88.K.0/24) */
  subnetIndex: number;
  /** PIDs of the launcher processes (unshare) with their start times, so a reused PID is never killed */
  launchers: { host: string; pid: number; startTime?: string }[];
  /** start times of hosts' init PIDs, same reason */
  hostStartTimes: Record<string, string>;
  disks: LabDiskRecord[];
  /** 'starting' until every host answers on port 22 */
  phase: 'starting' | 'up';
  createdAt: string;
}
