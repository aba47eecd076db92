// gnt: Ganeti cluster init/converge, node join, cluster verify and instances, each one probe when nothing changes; day-2: typed queries, drain, evacuate, migrate, master-failover, daemons.
// One file per module: gnt-cluster.ts, gnt-node.ts, gnt-verify.ts, gnt-instance.ts, gnt-query.ts, gnt-maintenance.ts, gnt-master.ts, gnt-daemons.ts; shared: gnt-facts.ts (probe, parsers), gnt-plan.ts (pure decisions).
import { cluster } from './gnt-cluster.ts';
import { daemons } from './gnt-daemons.ts';
import { instance } from './gnt-instance.ts';
import { evacuate, migrate, nodeFlags } from './gnt-maintenance.ts';
import { master } from './gnt-master.ts';
import { node } from './gnt-node.ts';
import { query } from './gnt-query.ts';
import { verify } from './gnt-verify.ts';

export type { ClusterFacts, VerifyFinding } from './gnt-facts.ts';
export type { ParamValue } from './gnt-plan.ts';
export type { ClusterParams, ClusterResult } from './gnt-cluster.ts';
export type { NodeParams, NodeResult } from './gnt-node.ts';
export type { VerifyParams, VerifyResult } from './gnt-verify.ts';
export type { InstanceInfo, InstanceParams, InstanceResult } from './gnt-instance.ts';
export type { ClusterState, NodeState, NodeRole, InstanceState, InstanceStatus } from './gnt-query-facts.ts';
export type { QueryParams, QueryResult } from './gnt-query.ts';
export type {
  NodeFlagsParams,
  NodeFlagsResult,
  EvacuateParams,
  EvacuateResult,
  MigrateParams,
  MigrateResult,
  Move,
  NonMirroredPolicy,
} from './gnt-maintenance.ts';
export type { MasterParams, MasterResult } from './gnt-master.ts';
export type { DaemonsParams, DaemonsResult } from './gnt-daemons.ts';
export { MIRRORED_TEMPLATES } from './gnt-maintenance-plan.ts';

/**
 * Ganeti: `gnt.cluster` (init/converge), `gnt.node` (join from the master), `gnt.verify`, `gnt.instance`;
 * day 2: `gnt.query` (typed nodes/instances), `gnt.nodeFlags` (drain/undrain/offline), `gnt.evacuate`
 * (instances off a node), `gnt.migrate` (an instance onto a node), `gnt.master` (master-failover to this
 * node), `gnt.daemons` (restart when stale).
 */
export const gnt = { cluster, node, verify, instance, query, nodeFlags, evacuate, migrate, master, daemons };
