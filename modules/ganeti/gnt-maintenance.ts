// Node maintenance on the master: gnt.nodeFlags (drain/undrain/offline via gnt-node modify), gnt.evacuate (instances off a node), gnt.migrate (an instance onto a node).
import { defineModule, type Apply, type Plan, type Result } from '../../core/module.ts';
import type { ShellCommand } from '../../core/sh.ts';
import { checkDnsName } from '../shared/dns-name.ts';
import { gntFacts, type GntFacts } from './gnt-facts.ts';
import { planEvacuation, planFlags, planPlacement, type Move, type NonMirroredPolicy } from './gnt-maintenance-plan.ts';
import { onMaster, refuse } from './gnt-plan.ts';
import {
  LISTS_SEPARATOR,
  parseClusterState,
  QUERY_LIVE_THEN,
  QUERY_THEN,
  type ClusterState,
  type NodeState,
} from './gnt-query-facts.ts';

export type { Move, NonMirroredPolicy } from './gnt-maintenance-plan.ts';

/** The facts every maintenance module reads: the whole cluster, one round trip. */
const clusterFacts = gntFacts(
  () => QUERY_THEN,
  (probed) => parseClusterState(probed.out, probed.master),
);

/** Evacuate's facts: the cluster plus which nodes answer now, so no instance is sent to a node whose daemons are down. */
const liveClusterFacts = gntFacts(
  () => QUERY_LIVE_THEN,
  // The live list is what the probe asks for; an answer without it (recorded before, in fixtures) plans
  // as before, with every node taken as answering.
  (probed) =>
    parseClusterState(
      probed.out,
      probed.master,
      probed.out.split('\n').filter((l) => l === LISTS_SEPARATOR).length === 2,
    ),
);

/** Runs gnt-* commands one after the other (cluster jobs: progress shown); a failure stops at that command. */
function runAll<R extends Result>(commands: readonly ShellCommand[], done: Partial<R>): Apply<R> {
  return async (host) => {
    for (const cmd of commands) await host.exec(cmd, { progress: true });
    return done;
  };
}

/** The cluster on a working master; --check before the cluster exists plans a refusal (see onMaster). */
function upOrRefuse<R extends Result>(f: GntFacts<ClusterState>, what: string, would: R): Plan<R> | ClusterState {
  const cannot = onMaster(f, what);
  if (cannot) return { result: would, apply: refuse(cannot) };
  return f.found!;
}

// ---- gnt.nodeFlags ----

/** Params of {@link gnt.nodeFlags} (runs on the master). */
export interface NodeFlagsParams {
  /** The node, as Ganeti names it. */
  name: string;
  /** Drained: no new instances are placed on it (maintenance). */
  drained?: boolean;
  /** Offline: Ganeti no longer talks to it (a dead node); it must hold no primary instance. */
  offline?: boolean;
  /** `--auto-promote` when the node leaves the master candidate pool. */
  autoPromote?: boolean;
}

export interface NodeFlagsResult extends Result {
  /** The node before the change (as it stays in --check); absent in --check before the cluster exists. */
  node?: NodeState;
}

export function nodeFlagsPlan(p: NodeFlagsParams, f: GntFacts<ClusterState>): Plan<NodeFlagsResult> {
  const state = upOrRefuse(f, `gnt-node modify ${p.name}`, {
    changed: true,
    message: `would modify ${p.name} (the cluster is not initialised yet)`,
  });
  if (!('nodes' in state)) return state;
  const node = state.nodes.find((n) => n.name === p.name);
  const { command, changes } = planFlags(p, node);
  if (!command) return { result: { changed: false, node } };
  return {
    result: { changed: true, node, message: `${p.name}: ${changes.join(', ')}`, detail: command.display },
    apply: runAll([command], {}),
  };
}

export const nodeFlags = defineModule<NodeFlagsParams, GntFacts<ClusterState>, NodeFlagsResult>({
  name: 'gnt.nodeFlags',
  title: (p) =>
    `gnt node ${p.name}${p.drained === undefined ? '' : p.drained ? ' drained' : ' undrained'}${p.offline === undefined ? '' : p.offline ? ' offline' : ' online'}`,
  validate: (p) => {
    checkDnsName(p.name, 'name');
    if (p.drained === undefined && p.offline === undefined) throw new Error('give drained and/or offline');
    // Ganeti keeps one of master-candidate/drained/offline: asking for both is a contradiction.
    if (p.drained === true && p.offline === true)
      throw new Error('drained and offline cannot both be true (a node has one state)');
  },
  facts: clusterFacts,
  plan: nodeFlagsPlan,
});

// ---- gnt.evacuate ----

/** Params of {@link gnt.evacuate} (runs on the master). */
export interface EvacuateParams {
  /** The node to empty. Drain it first (gnt.nodeFlags), so nothing new lands on it. */
  node: string;
  /** Live migration (default true). */
  live?: boolean;
  /** Instances whose template cannot migrate (file, plain): 'fail' (default), 'stay' or 'move' (downtime). */
  nonMirrored?: NonMirroredPolicy;
  /** Only these nodes may receive instances (default: any node not drained/offline). */
  targets?: string[];
}

export interface EvacuateResult extends Result {
  /** Every instance that had the node as primary or secondary, and what happens (happened) to it. */
  moves: Move[];
}

export function evacuatePlan(p: EvacuateParams, f: GntFacts<ClusterState>): Plan<EvacuateResult> {
  const state = upOrRefuse(f, `evacuate ${p.node}`, {
    changed: true,
    moves: [],
    message: `would move instances off ${p.node} (the cluster is not initialised yet)`,
  });
  if (!('nodes' in state)) return state;
  const moves = planEvacuation(p, state);
  const acting = moves.filter((m) => m.command);
  const stays = moves.filter((m) => !m.command).map((m) => m.note);
  if (!acting.length)
    return { result: { changed: false, moves, message: stays.length ? stays.join('; ') : undefined } };
  const notes = moves.map((m) => m.note).join('; ');
  return {
    result: { changed: true, moves, message: notes, detail: acting.map((m) => m.command!.display).join('\n') },
    apply: runAll(
      acting.map((m) => m.command!),
      {},
    ),
  };
}

export const evacuate = defineModule<EvacuateParams, GntFacts<ClusterState>, EvacuateResult>({
  name: 'gnt.evacuate',
  title: (p) => `gnt evacuate ${p.node}`,
  validate: (p) => {
    checkDnsName(p.node, 'node');
    (p.targets ?? []).forEach((t, i) => checkDnsName(t, `targets[${i}]`));
    if (p.nonMirrored !== undefined && !['stay', 'move', 'fail'].includes(p.nonMirrored))
      throw new Error(`nonMirrored ${JSON.stringify(p.nonMirrored)} must be 'stay', 'move' or 'fail'`);
  },
  facts: liveClusterFacts,
  plan: evacuatePlan,
});

// ---- gnt.migrate ----

/** Params of {@link gnt.migrate} (runs on the master): the instance runs on `node` afterwards. */
export interface MigrateParams {
  instance: string;
  node: string;
  /** Live migration (default true). */
  live?: boolean;
}

export interface MigrateResult extends Result {
  /** Where the instance ran before. */
  from: string;
}

export function migratePlan(p: MigrateParams, f: GntFacts<ClusterState>): Plan<MigrateResult> {
  const state = upOrRefuse(f, `migrate ${p.instance}`, {
    changed: true,
    from: '',
    message: `would migrate ${p.instance} to ${p.node} (the cluster is not initialised yet)`,
  });
  if (!('nodes' in state)) return state;
  const move = planPlacement(p.instance, p.node, p.live ?? true, state);
  const from = state.instances.find((i) => i.name === p.instance)!.primary;
  if (!move) return { result: { changed: false, from } };
  return {
    result: { changed: true, from, message: move.note, detail: move.command!.display },
    apply: runAll([move.command!], {}),
  };
}

export const migrate = defineModule<MigrateParams, GntFacts<ClusterState>, MigrateResult>({
  name: 'gnt.migrate',
  title: (p) => `gnt migrate ${p.instance} → ${p.node}`,
  validate: (p) => {
    checkDnsName(p.instance, 'instance');
    checkDnsName(p.node, 'node');
  },
  facts: clusterFacts,
  plan: migratePlan,
});
