// gnt.node: join a node from the master (gnt-node add), then trust the cluster's SSH host keys for it.
import { CommandError, tail } from '../core/errors.ts';
import { defineModule, type Result } from '../core/module.ts';
import { sh } from '../core/sh.ts';
import { checkDnsName } from './dns-name.ts';
import { checkIp, halfInitialised, notInitialised, notInstalled, notMaster, probe } from './gnt-common.ts';
import { parseList } from './gnt-parse.ts';
import { captureOrBroken } from './gnt-probe.ts';

/** A node to join, for {@link gnt.node} (runs on the master). */
export interface NodeParams {
  /** The node's FQDN as Ganeti will know it (must resolve on the master). */
  name: string;
  /** The node's DRBD (replication) network address: `gnt-node add -s`. */
  secondaryIp?: string;
  /**
   * Joining replaces the node's SSH host keys with the cluster's. After adding, drover records the
   * cluster's host keys (the master's /var/lib/ganeti/known_hosts) as the known keys of this inventory
   * host, through Host.trustHostKeys. Default: `name`.
   * Set to false when drover does not connect to that node itself.
   */
  inventoryName?: string | false;
}

export interface NodeResult extends Result {
  /** Members of the cluster after this call (before it in --check). */
  nodes: string[];
}

/**
 * The cluster's SSH host keys as Ganeti itself records them (`<cluster> ssh-rsa AAAA...`): exactly the
 * key types gnt-node add copies onto a joining node (rsa, dsa); the node keeps its own keys of other types.
 */
const CLUSTER_KNOWN_HOSTS = '/var/lib/ganeti/known_hosts';

/** `type base64` of each key in known_hosts or .pub text (host fields and comments dropped). */
export function publicKeyLines(text: string): string[] {
  const keys: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim().startsWith('#')) continue;
    const w = line.trim().split(/\s+/);
    const i = w.findIndex((x) => /^(ssh-|ecdsa-|sk-)/.test(x));
    if (i >= 0 && w[i + 1]) keys.push(`${w[i]} ${w[i + 1]}`);
  }
  return keys;
}

/** A clearer message for the gnt-node add failures people hit (pure; undefined: keep Ganeti's own error). */
export function joinErrorMessage(master: string, name: string, output: string): string | undefined {
  if (/version mismatch|incompatible.*version|protocol version/i.test(output)) {
    return `${master}: gnt-node add ${name}: Ganeti versions differ between the master and ${name} (install the same version everywhere):\n${tail(output, 4)}`;
  }
  if (/already in the cluster/i.test(output)) {
    return `${master}: gnt-node add ${name}: Ganeti says the node is already in the cluster, under another name or half-joined; check \`gnt-node list\` (re-add on purpose with gnt-node add --readd):\n${tail(output, 4)}`;
  }
  if (/Cluster not initialized/i.test(output)) {
    return `${master}: gnt-node add ${name}: the cluster is not initialised on ${master}; run gnt.cluster there first:\n${tail(output, 4)}`;
  }
  return undefined;
}

export const node = defineModule<NodeParams, NodeResult>({
  name: 'gnt.node',
  title: (p) => `gnt node ${p.name}`,
  async run(host, p) {
    checkDnsName(p.name, 'gnt.node: name');
    checkIp(p.secondaryIp, 'gnt.node: secondaryIp');
    const probed = await probe(host, captureOrBroken(sh`gnt-node list --no-headers -o name`, 'gnt-node list'));
    // `--` ends Ganeti's (optparse) options: the name is never read as one.
    const add = sh`gnt-node add ${['--no-ssh-key-check', ...(p.secondaryIp !== undefined ? ['-s', p.secondaryIp] : []), '--', p.name]}`;
    if (probed.state === 'broken') throw halfInitialised(host, probed);
    if (probed.state === 'not-master') throw notMaster(host, probed, `gnt-node add ${p.name}`);
    if (probed.state === 'none' || probed.state === 'not-installed') {
      if (host.check) return { changed: true, nodes: [], message: `would run: ${add.display} (the cluster is not initialised yet)` };
      throw probed.state === 'none' ? notInitialised(host, `gnt-node add ${p.name}`) : notInstalled(host, 'gnt.node');
    }
    const nodes = parseList(probed.out, ['name'] as const).map((n) => n.name);
    if (nodes.includes(p.name)) return { changed: false, nodes };
    if (host.check) return { changed: true, nodes, message: `would run: ${add.display}`, detail: add.display };
    try {
      await host.exec(add, { progress: true });
    } catch (err) {
      const clearer = err instanceof CommandError ? joinErrorMessage(host.name, p.name, `${err.stdout}\n${err.stderr}`) : undefined;
      throw clearer ? new Error(clearer, { cause: err }) : err;
    }
    const target = p.inventoryName === undefined ? p.name : p.inventoryName;
    let keyNote = '';
    if (target !== false) {
      const keys = publicKeyLines((await host.exec(sh`cat ${CLUSTER_KNOWN_HOSTS}`)).stdout);
      if (!keys.length) throw new Error(`${host.name}: joined ${p.name} but ${CLUSTER_KNOWN_HOSTS} lists no cluster host key to trust for it`);
      await host.trustHostKeys(target, keys);
      keyNote = `; now trusting the cluster's ${keys.length} SSH host key(s) for ${target}`;
    }
    return { changed: true, nodes: [...nodes, p.name], message: `added ${p.name} to the cluster${keyNote}`, detail: add.display };
  },
});
