// Pure reading of a Ganeti cluster for the maintenance roll: is it healthy enough to start (or to call done), what an earlier roll left half-done, and the state lines the recap shows.
import { MIRRORED_TEMPLATES, type ClusterState } from 'drover/modules';
import type { MaintenanceVars } from './vars.ts';

/** What the play knows besides the cluster's own lists. */
export interface HealthContext {
  vars: MaintenanceVars;
  /** A node of the play that left it (unreachable or failed, in "Check nodes" say). */
  lost: (name: string) => boolean;
  /** A node this run maintains (selected, with --limit, and still in the play). */
  maintained: (name: string) => boolean;
  /** Per node in play: whether ganeti-noded runs (gnt.daemons in "Check nodes"). */
  daemonsRunning?: ReadonlyMap<string, boolean>;
}

/** What a roll cut short left behind (a rerun finishes it). */
export interface Leftovers {
  /** Nodes drained (by a roll stopped mid-turn, or by hand). */
  drained: string[];
  /** The inventory's master, when another node holds the role. */
  masterAway?: string;
  /** Instances running on another node than the inventory's `instances[].node`. */
  away: { name: string; on: string; home: string; mirrored: boolean }[];
}

export function leftovers(state: ClusterState, vars: MaintenanceVars): Leftovers {
  const away = (vars.instances ?? []).flatMap((i) => {
    const now = state.instances.find((x) => x.name === i.name);
    if (!now || i.node === undefined || now.primary === i.node) return [];
    return [{ name: i.name, on: now.primary, home: i.node, mirrored: MIRRORED_TEMPLATES.includes(now.template) }];
  });
  return {
    drained: state.nodes.filter((n) => n.drained).map((n) => n.name),
    ...(state.master !== vars.master && { masterAway: vars.master }),
    away,
  };
}

/**
 * Why the cluster is not healthy (empty: it is). Always: a node out of reach (SSH or ganeti-noded), a
 * daemon not running, an instance that should run and does not. `done` (after the last node) also
 * counts what a finished roll must not leave: a drained node, the master elsewhere, an instance that
 * can migrate away from its inventory node.
 */
export function healthProblems(state: ClusterState, ctx: HealthContext, done: boolean): string[] {
  const problems: string[] = [];
  for (const n of state.nodes) {
    if (n.offline) continue;
    if (ctx.lost(n.name)) problems.push(`${n.name}: not reachable over SSH (it left the play)`);
    else if (ctx.daemonsRunning?.get(n.name) === false) problems.push(`${n.name}: ganeti-noded is not running`);
    else if (n.reachable === false) problems.push(`${n.name}: its ganeti-noded does not answer the master`);
  }
  for (const i of state.instances) {
    if (i.adminState === 'up' && i.status !== 'running') problems.push(`${i.name}: ${i.status} on ${i.primary}`);
  }
  if (done) {
    const left = leftovers(state, ctx.vars);
    for (const d of left.drained) if (ctx.maintained(d)) problems.push(`${d}: still drained`);
    if (left.masterAway) problems.push(`the master is ${state.master}, not ${left.masterAway}`);
    for (const a of left.away)
      if (a.mirrored) problems.push(`${a.name}: runs on ${a.on}, the inventory puts it on ${a.home}`);
  }
  return problems;
}

/** The recap's lines about the cluster (play.state): master, drained nodes, instances down or away (the recap itself lists the hosts not started). */
export function describeCluster(state: ClusterState, vars: MaintenanceVars): string[] {
  const left = leftovers(state, vars);
  const down = state.instances.filter((i) => i.adminState === 'up' && i.status !== 'running');
  const silent = state.nodes.filter((n) => n.reachable === false && !n.offline).map((n) => n.name);
  const lines = [
    `master: ${state.master}${left.masterAway ? ` (the inventory's master is ${left.masterAway}: a rerun gives it back)` : ''}`,
    left.drained.length ? `drained: ${left.drained.join(', ')} (a rerun finishes and undrains them)` : 'drained: none',
    ...(silent.length ? [`ganeti-noded not answering: ${silent.join(', ')}`] : []),
    down.length
      ? `instances not running: ${down.map((i) => `${i.name} (${i.status} on ${i.primary})`).join(', ')}`
      : `instances: ${state.instances.length} running where they should`,
    ...left.away.map(
      (a) =>
        `${a.name}: on ${a.on}, the inventory puts it on ${a.home}${a.mirrored ? ' (a rerun migrates it back)' : ' (cannot migrate: move it back by hand, with downtime)'}`,
    ),
  ];
  // "instances: N running where they should" is only true when none is away.
  if (!down.length && left.away.length)
    lines[lines.findIndex((l) => l.startsWith('instances: '))] = `instances: ${state.instances.length} running`;
  return lines;
}
