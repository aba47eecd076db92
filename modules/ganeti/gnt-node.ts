// gnt.node: join a node from the master (gnt-node add), then trust the cluster's SSH host keys for it.
import { CommandError } from '../../core/errors.ts';
import { defineModule, type Apply, type Plan, type Result } from '../../core/module.ts';
import { sh, type ShellCommand } from '../../core/sh.ts';
import { checkDnsName } from '../shared/dns-name.ts';
import { captureOrBroken, gntFacts, parseList, publicKeyLines, type GntFacts } from './gnt-facts.ts';
import { checkIp, joinErrorMessage, onMaster, refuse } from './gnt-plan.ts';

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

/** `gnt-node add` for the params; `--` ends Ganeti's (optparse) options: the name is never read as one. */
export function nodeAddCommand(p: NodeParams): ShellCommand {
  return sh`gnt-node add ${['--no-ssh-key-check', ...(p.secondaryIp !== undefined ? ['-s', p.secondaryIp] : []), '--', p.name]}`;
}

/** The whole decision (pure): nothing when the node is a member, else one gnt-node add. */
export function nodePlan(p: NodeParams, f: GntFacts<string[]>): Plan<NodeResult> {
  const add = nodeAddCommand(p);
  const cannot = onMaster(f, `gnt-node add ${p.name}`);
  if (cannot)
    return {
      result: { changed: true, nodes: [], message: `would run: ${add.display} (the cluster is not initialised yet)` },
      apply: refuse(cannot),
    };
  const nodes = f.found!;
  if (nodes.includes(p.name)) return { result: { changed: false, nodes } };
  return {
    result: { changed: true, nodes, message: `would run: ${add.display}`, detail: add.display },
    apply: join(p, add, nodes),
  };
}

/** Adds the node (with a clearer error for the failures people hit), then trusts the cluster's host keys for it. */
function join(p: NodeParams, add: ShellCommand, nodes: string[]): Apply<NodeResult> {
  return async (host) => {
    try {
      await host.exec(add, { progress: true });
    } catch (err) {
      const clearer =
        err instanceof CommandError ? joinErrorMessage(p.name, `${err.stdout}\n${err.stderr}`) : undefined;
      throw clearer ? new Error(clearer, { cause: err }) : err;
    }
    const target = p.inventoryName === undefined ? p.name : p.inventoryName;
    let keyNote = '';
    if (target !== false) {
      const keys = publicKeyLines((await host.exec(sh`cat ${CLUSTER_KNOWN_HOSTS}`, { readOnly: true })).stdout);
      if (!keys.length)
        throw new Error(`joined ${p.name} but ${CLUSTER_KNOWN_HOSTS} lists no cluster host key to trust for it`);
      await host.trustHostKeys(target, keys);
      keyNote = `; now trusting the cluster's ${keys.length} SSH host key(s) for ${target}`;
    }
    return { nodes: [...nodes, p.name], message: `added ${p.name} to the cluster${keyNote}` };
  };
}

export const node = defineModule<NodeParams, GntFacts<string[]>, NodeResult>({
  name: 'gnt.node',
  title: (p) => `gnt node ${p.name}`,
  validate: (p) => {
    checkDnsName(p.name, 'name');
    checkIp(p.secondaryIp, 'secondaryIp');
  },
  facts: gntFacts(
    () => captureOrBroken(sh`gnt-node list --no-headers -o name`, 'gnt-node list'),
    (probed) => parseList(probed.out, ['name'] as const).map((n) => n.name),
  ),
  plan: nodePlan,
});
