// gnt: Ganeti cluster init/converge, node join, cluster verify and instances, each one probe when nothing changes.
// One file per module: gnt-cluster.ts, gnt-node.ts, gnt-verify.ts, gnt-instance.ts; shared: gnt-facts.ts (probe, parsers), gnt-plan.ts (pure decisions).
import { cluster } from './gnt-cluster.ts';
import { instance } from './gnt-instance.ts';
import { node } from './gnt-node.ts';
import { verify } from './gnt-verify.ts';

export type { ClusterFacts, VerifyFinding } from './gnt-facts.ts';
export type { ParamValue } from './gnt-plan.ts';
export type { ClusterParams, ClusterResult } from './gnt-cluster.ts';
export type { NodeParams, NodeResult } from './gnt-node.ts';
export type { VerifyParams, VerifyResult } from './gnt-verify.ts';
export type { InstanceInfo, InstanceParams, InstanceResult } from './gnt-instance.ts';

/** Ganeti: `gnt.cluster` (init/converge), `gnt.node` (join from the master), `gnt.verify`, `gnt.instance`. */
export const gnt = { cluster, node, verify, instance };
