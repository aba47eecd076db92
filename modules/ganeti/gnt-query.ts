// gnt.query: the cluster's nodes and instances as typed values (read-only, one round trip on the master), with an optional "these are running" assertion.
import { defineModule, type Plan, type Result } from '../../core/module.ts';
import { checkDnsName } from '../shared/dns-name.ts';
import { gntFacts, type GntFacts } from './gnt-facts.ts';
import { onMaster } from './gnt-plan.ts';
import { parseClusterState, QUERY_LIVE_THEN, QUERY_THEN, type ClusterState } from './gnt-query-facts.ts';

/** Params of {@link gnt.query} (runs on the master). */
export interface QueryParams {
  /**
   * Instances that must be `running`: the call fails naming each one that is not (or is missing).
   * `true`: every instance whose admin state is up. Default: no assertion.
   */
  expectRunning?: readonly string[] | true;
  /**
   * Also ask every node's ganeti-noded for a live value (`reachable` on each node; one more RPC round):
   * a node whose daemon is down then shows `reachable: false`. Default false (the config only).
   */
  live?: boolean;
}

/** The cluster (master, nodes, instances) as typed values; never a change. */
export interface QueryResult extends Result, ClusterState {}

/** The instances of `expectRunning` that are not running, as "name (status on node)" / "name (missing)". */
export function notRunning(state: ClusterState, expect: readonly string[] | true): string[] {
  const names = expect === true ? state.instances.filter((i) => i.adminState === 'up').map((i) => i.name) : expect;
  return names.flatMap((n) => {
    const i = state.instances.find((x) => x.name === n);
    if (!i) return [`${n} (missing)`];
    return i.status === 'running' ? [] : [`${n} (${i.status} on ${i.primary})`];
  });
}

/** The whole decision (pure): report the state, or fail when an expected instance is not running. */
export function queryPlan(p: QueryParams, f: GntFacts<ClusterState>): Plan<QueryResult> {
  const cannot = onMaster(f, 'gnt query');
  if (cannot) throw cannot;
  const state = f.found!;
  const down = p.expectRunning === undefined ? [] : notRunning(state, p.expectRunning);
  if (down.length) throw new Error(`instance(s) not running: ${down.join(', ')}`);
  const running = state.instances.filter((i) => i.status === 'running').length;
  const special = state.nodes
    .filter((n) => n.drained || n.offline || n.reachable === false)
    .map((n) => `${n.name} ${n.offline ? 'offline' : n.reachable === false ? 'not answering' : 'drained'}`);
  const message = `master ${state.master}; ${state.nodes.length} node(s)${special.length ? ` (${special.join(', ')})` : ''}; ${running}/${state.instances.length} instance(s) running`;
  return { result: { changed: false, ...state, message } };
}

export const query = defineModule<QueryParams, GntFacts<ClusterState>, QueryResult>({
  name: 'gnt.query',
  title: (p) =>
    `gnt query${p.live ? ' live' : ''}${p.expectRunning === undefined ? '' : p.expectRunning === true ? ' (instances running)' : ` (running: ${p.expectRunning.join(', ')})`}`,
  validate: (p) => {
    if (Array.isArray(p.expectRunning)) p.expectRunning.forEach((n, i) => checkDnsName(n, `expectRunning[${i}]`));
    else if (p.expectRunning !== undefined && p.expectRunning !== true)
      throw new Error(`expectRunning must be a list of instance names or true, not ${JSON.stringify(p.expectRunning)}`);
  },
  facts: gntFacts(
    (p) => (p.live ? QUERY_LIVE_THEN : QUERY_THEN),
    (probed, p) => parseClusterState(probed.out, probed.master, p.live === true),
  ),
  plan: queryPlan,
});
