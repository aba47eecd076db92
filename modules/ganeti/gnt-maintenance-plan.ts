// Pure decisions for node maintenance: which gnt-node modify sets drained/offline, and how each instance leaves a node (migrate, failover, move, new secondary) or stays.
import { sh, type ShellCommand } from '../../core/sh.ts';
import type { ClusterState, InstanceState, NodeState } from './gnt-query-facts.ts';

/** Templates whose disks the target node can reach: the instance can migrate (live) or fail over. Ganeti's DTS_MIRRORED. */
export const MIRRORED_TEMPLATES: readonly string[] = [
  'drbd',
  'diskless',
  'sharedfile',
  'blockdev',
  'rbd',
  'ext',
  'gluster',
];
/** Internally mirrored (DTS_INT_MIRROR): the instance can only go to its secondary; Ganeti picks it (no -n). */
export const INTERNAL_MIRROR: readonly string[] = ['drbd'];

/** What to do with an instance whose template cannot migrate (file, plain) when its node is maintained. */
export type NonMirroredPolicy =
  /** Leave it running where it is (restarting Ganeti's daemons does not stop it; a reboot would). */
  | 'stay'
  /** `gnt-instance move`: shut down, copy the disks, start on the target (downtime). */
  | 'move'
  /** Refuse: the maintenance stops before anything moves. */
  | 'fail';

/** Wanted flags of a node, for gnt.nodeFlags. */
export interface FlagsWanted {
  name: string;
  drained?: boolean;
  offline?: boolean;
  /** `--auto-promote`: let Ganeti promote another node to master candidate when this one leaves the pool. */
  autoPromote?: boolean;
}

const yn = (b: boolean) => (b ? 'yes' : 'no');

/** The `gnt-node modify` that makes the node's flags what is wanted, or undefined when they already are. Throws for the master. */
export function planFlags(
  want: FlagsWanted,
  node: NodeState | undefined,
): { command?: ShellCommand; changes: string[] } {
  if (!node) throw new Error(`node ${want.name} is not in the cluster`);
  const changes: string[] = [];
  const args: string[] = [];
  if (want.drained !== undefined && node.drained !== want.drained) {
    changes.push(want.drained ? 'drained' : 'undrained');
    args.push(`--drained=${yn(want.drained)}`);
  }
  if (want.offline !== undefined && node.offline !== want.offline) {
    changes.push(want.offline ? 'offline' : 'online');
    args.push(`--offline=${yn(want.offline)}`);
  }
  if (!args.length) return { changes };
  if (node.role === 'master' && (want.drained || want.offline)) {
    throw new Error(
      `${want.name} is the master: Ganeti changes the master's role only through master-failover (run gnt.master on another node first)`,
    );
  }
  if (want.autoPromote) args.push('--auto-promote');
  return { command: sh`gnt-node modify ${args} -- ${want.name}`, changes };
}

/** One instance's way off the node. */
export interface Move {
  instance: string;
  template: string;
  action: 'migrate' | 'failover' | 'move' | 'new-secondary' | 'stay';
  /** The node it goes to (undefined: Ganeti's choice, the DRBD secondary). */
  target?: string;
  /** What runs; undefined for 'stay'. */
  command?: ShellCommand;
  /** One line for the report. */
  note: string;
}

export interface EvacuationWanted {
  node: string;
  /** Live migration (default true); false adds --non-live. */
  live?: boolean;
  nonMirrored?: NonMirroredPolicy;
  /** Nodes instances may go to (default: every node that can take them). */
  targets?: readonly string[];
}

/**
 * Nodes that can take instances: not `from`, not drained or offline, vm-capable, answering (a node whose
 * ganeti-noded is down fails the migration half-way), in `allowed` when given.
 */
function candidates(state: ClusterState, from: string, allowed?: readonly string[]): NodeState[] {
  return state.nodes.filter(
    (n) =>
      n.name !== from &&
      !n.drained &&
      !n.offline &&
      n.reachable !== false &&
      n.vmCapable &&
      (!allowed || allowed.includes(n.name)),
  );
}

/**
 * How each instance leaves `want.node` (pure). Running mirrored instances migrate (live unless told),
 * stopped ones fail over; a DRBD instance whose secondary is the node gets a new secondary; file/plain
 * ones follow `nonMirrored` (default 'fail'). A target is the candidate with the fewest primary
 * instances so far (ties: inventory order of Ganeti's list), so instances spread instead of piling up.
 */
export function planEvacuation(want: EvacuationWanted, state: ClusterState): Move[] {
  const node = state.nodes.find((n) => n.name === want.node);
  if (!node) throw new Error(`node ${want.node} is not in the cluster`);
  const pool = candidates(state, want.node, want.targets);
  const load = new Map(pool.map((n) => [n.name, n.primaryInstances.length]));
  // A DRBD primary goes to its secondary (Ganeti's choice): that node's load grows too.
  const count = (name: string | undefined) =>
    name !== undefined && load.has(name) && load.set(name, load.get(name)! + 1);
  const pick = (exclude: readonly string[], what: string): string => {
    const free = pool.filter((n) => !exclude.includes(n.name));
    if (!free.length) {
      const down = state.nodes.filter((n) => n.name !== want.node && n.reachable === false).map((n) => n.name);
      throw new Error(
        `no node can take ${what}: every other node is drained, offline, not answering, not vm-capable or excluded${down.length ? ` (not answering: ${down.join(', ')})` : ''}`,
      );
    }
    const best = free.reduce((a, b) => (load.get(b.name)! < load.get(a.name)! ? b : a));
    load.set(best.name, load.get(best.name)! + 1);
    return best.name;
  };
  const live = want.live ?? true;
  const moves: Move[] = [];
  for (const i of state.instances) {
    if (i.primary === want.node) {
      const move = primaryMove(i, want, live, pick);
      if (INTERNAL_MIRROR.includes(i.template)) count(move.target);
      moves.push(move);
    } else if (i.secondaries.includes(want.node)) {
      const target = pick([i.primary, ...i.secondaries], `${i.name}'s disks`);
      moves.push({
        instance: i.name,
        template: i.template,
        action: 'new-secondary',
        target,
        command: sh`gnt-instance replace-disks -n ${target} -- ${i.name}`,
        note: `${i.name}: new secondary ${target}`,
      });
    }
  }
  return moves;
}

function primaryMove(
  i: InstanceState,
  want: EvacuationWanted,
  live: boolean,
  pick: (exclude: readonly string[], what: string) => string,
): Move {
  const base = { instance: i.name, template: i.template };
  if (MIRRORED_TEMPLATES.includes(i.template)) {
    const internal = INTERNAL_MIRROR.includes(i.template);
    const target = internal ? i.secondaries[0] : pick([], i.name);
    const to = internal ? [] : ['-n', target];
    if (i.adminState === 'up') {
      const cmd = sh`gnt-instance migrate ${['-f', ...(live ? [] : ['--non-live']), ...to, '--', i.name]}`;
      return {
        ...base,
        action: 'migrate',
        target,
        command: cmd,
        note: `${i.name}: ${live ? 'live ' : ''}migrate to ${target ?? 'its secondary'}`,
      };
    }
    return {
      ...base,
      action: 'failover',
      target,
      command: sh`gnt-instance failover ${['-f', ...to, '--', i.name]}`,
      note: `${i.name} (${i.status}): failover to ${target ?? 'its secondary'}`,
    };
  }
  const policy = want.nonMirrored ?? 'fail';
  if (policy === 'stay')
    return {
      ...base,
      action: 'stay',
      note: `${i.name}: stays on ${want.node} (template ${i.template} cannot migrate)`,
    };
  if (policy === 'move') {
    const target = pick([], i.name);
    return {
      ...base,
      action: 'move',
      target,
      command: sh`gnt-instance move -f -n ${target} -- ${i.name}`,
      note: `${i.name}: move to ${target} (shut down while its ${i.template} disks are copied)`,
    };
  }
  throw new Error(
    `${i.name} on ${want.node} has disk template ${i.template}, which cannot migrate: set nonMirrored to 'move' (downtime while its disks are copied) or 'stay' (only when the node's instances survive the maintenance)`,
  );
}

/** How one instance gets to `node` (gnt.migrate), or undefined when it is there already. */
export function planPlacement(instance: string, node: string, live: boolean, state: ClusterState): Move | undefined {
  const i = state.instances.find((x) => x.name === instance);
  if (!i) throw new Error(`instance ${instance} is not in the cluster`);
  if (i.primary === node) return undefined;
  const n = state.nodes.find((x) => x.name === node);
  if (!n) throw new Error(`node ${node} is not in the cluster`);
  if (n.drained || n.offline)
    throw new Error(`cannot place ${instance} on ${node}: the node is ${n.offline ? 'offline' : 'drained'}`);
  if (!MIRRORED_TEMPLATES.includes(i.template))
    throw new Error(
      `${instance} has disk template ${i.template}, which cannot migrate to ${node} (it runs on ${i.primary})`,
    );
  const internal = INTERNAL_MIRROR.includes(i.template);
  if (internal && !i.secondaries.includes(node))
    throw new Error(
      `${instance} (${i.template}) can only migrate to its secondary ${i.secondaries.join(', ') || '(none)'}, not ${node}`,
    );
  const to = internal ? [] : ['-n', node];
  const base = { instance, template: i.template, target: node };
  if (i.adminState === 'up') {
    return {
      ...base,
      action: 'migrate',
      command: sh`gnt-instance migrate ${['-f', ...(live ? [] : ['--non-live']), ...to, '--', instance]}`,
      note: `${instance}: ${live ? 'live ' : ''}migrate ${i.primary} → ${node}`,
    };
  }
  return {
    ...base,
    action: 'failover',
    command: sh`gnt-instance failover ${['-f', ...to, '--', instance]}`,
    note: `${instance} (${i.status}): failover ${i.primary} → ${node}`,
  };
}
