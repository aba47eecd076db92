// drover's modules: what a playbook imports from 'drover/modules'.
export { command, type CommandParams, type CommandResult } from './command.ts';
export { sysfile, type SysfileParams, type SysfileResult } from './sysfile.ts';
export { service, notifyRestart, type ServiceParams, type ServiceResult } from './service.ts';
export { hostname, type HostnameParams, type HostnameResult } from './hostname.ts';
export { kmod, type KmodParams, type KmodResult } from './kmod.ts';
export { reboot, type RebootParams, type RebootResult } from './reboot.ts';
export { emerge, type EmergeParams, type EmergeResult } from './emerge.ts';
export { lvm } from './lvm.ts';
export { gnt } from './gnt.ts';
// The param and result types a site's own vars and helpers are written with (playbooks/ganeti/vars.ts).
export type { PvParams, PvResult, VgParams, VgResult, LvParams, LvResult, FilterParams } from './lvm.ts';
export type { ParamValue, ClusterParams, ClusterResult, ClusterFacts, NodeParams, NodeResult, VerifyParams, VerifyResult, VerifyFinding, InstanceParams, InstanceResult, InstanceInfo } from './gnt.ts';
export type { ClusterState, NodeState, NodeRole, InstanceState, InstanceStatus, QueryParams, QueryResult, NodeFlagsParams, NodeFlagsResult, EvacuateParams, EvacuateResult, MigrateParams, MigrateResult, Move, NonMirroredPolicy, MasterParams, MasterResult, DaemonsParams, DaemonsResult } from './gnt.ts';
export { MIRRORED_TEMPLATES } from './gnt.ts';
