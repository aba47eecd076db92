// gnt: Ganeti cluster init/converge, node join, cluster verify and instances, each one probe when nothing changes.
// One file per job: gnt-cluster.ts, gnt-node.ts, gnt-verify.ts, gnt-instance.ts (shared: gnt-common.ts, gnt-probe.ts).
import { cluster } from './gnt-cluster.ts';
import { instance } from './gnt-instance.ts';
import { node } from './gnt-node.ts';
import { verify } from './gnt-verify.ts';

export type { ClusterFacts, ParamValue, VerifyFinding } from './gnt-parse.ts';
export type { ClusterParams, ClusterResult } from './gnt-cluster.ts';
export { joinErrorMessage, publicKeyLines, type NodeParams, type NodeResult } from './gnt-node.ts';
export type { VerifyParams, VerifyResult } from './gnt-verify.ts';
export { instanceAddArgs, type InstanceParams, type InstanceResult } from './gnt-instance.ts';

/** Ganeti: `gnt.cluster` (init/converge), `gnt.node` (join from the master), `gnt.verify`, `gnt.instance`. */
export const gnt = { cluster, node, verify, instance };
