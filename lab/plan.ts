// Pure planning of a lab instance: resource names (≤ 15-char interfaces), addresses, and the state before anything exists.
import path from 'node:path';
import { isGanetiProfile, type LabProfile, type LabRecord } from './types.ts';

export const domain = 'example.org';
export const clusterShortName = 'cluster';
/** First host address in the /24: node1 = .11 */
export const firstHostOctet = 11;
export const clusterOctet = 100;
export const maxHosts = 80; // .11 ... .90, below the cluster address

/** Lab names become parts of interface names (IFNAMSIZ 16): keep them short and plain. */
export function checkLabName(name: string): void {
  if (!/^[a-z0-9]{1,8}$/.test(name))
    throw new Error(`bad lab name ${JSON.stringify(name)}: use 1-8 characters a-z 0-9`);
}

export function checkHostCount(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > maxHosts) throw new Error(`bad host count ${n}: use 1 to ${maxHosts}`);
}

export function bridgeName(lab: string): string {
  return `drb-${lab}`;
}
export function vethName(lab: string, index1: number): string {
  return `dv-${lab}-${index1}`;
}
export function netnsName(lab: string, index1: number): string {
  return `dl-${lab}-n${index1}`;
}

/** Accepts node1, node1.example.org or a 1-based index string; returns the 0-based host index. */
export function hostIndex(state: { name: string; hosts: { name: string; short: string }[] }, node: string): number {
  const i = state.hosts.findIndex((h) => h.short === node || h.name === node);
  if (i < 0)
    throw new Error(
      `lab ${state.name} has no host ${JSON.stringify(node)} (hosts: ${state.hosts.map((h) => h.short).join(', ')})`,
    );
  return i;
}

/** The full record of a new instance: every name it will create, before it creates any. */
export function planLab(opts: {
  name: string;
  hosts: number;
  profile: LabProfile;
  subnetIndex: number;
  dir: string;
  layers?: string[];
  now?: Date;
}): LabRecord {
  checkLabName(opts.name);
  checkHostCount(opts.hosts);
  const net = `10.88.${opts.subnetIndex}`;
  const hosts = Array.from({ length: opts.hosts }, (_, i) => ({
    name: `node${i + 1}.${domain}`,
    short: `node${i + 1}`,
    address: `${net}.${firstHostOctet + i}`,
    netns: netnsName(opts.name, i + 1),
    veth: vethName(opts.name, i + 1),
    pid: 0,
  }));
  return {
    name: opts.name,
    profile: opts.profile,
    dir: opts.dir,
    bridge: bridgeName(opts.name),
    subnet: `${net}.0/24`,
    gateway: `${net}.1`,
    keyFile: path.join(opts.dir, 'id_ed25519'),
    knownHostsFile: path.join(opts.dir, 'known_hosts'),
    sshConfigFile: path.join(opts.dir, 'ssh_config'),
    inventoryFile: path.join(opts.dir, 'inventory.yml'),
    hosts,
    ...(isGanetiProfile(opts.profile)
      ? { cluster: { name: `${clusterShortName}.${domain}`, address: `${net}.${clusterOctet}` } }
      : {}),
    layers: opts.layers ?? [],
    subnetIndex: opts.subnetIndex,
    launchers: [],
    hostStartTimes: {},
    disks: [],
    phase: 'starting',
    createdAt: (opts.now ?? new Date()).toISOString(),
  };
}
