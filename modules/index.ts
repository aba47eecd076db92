// drover's modules: what a playbook imports from 'drover/modules'.
export { command, type CommandParams, type CommandResult } from './command/command.ts';
export { sysfile, type SysfileParams, type SysfileResult } from './files/sysfile.ts';
export { service, notifyRestart, type ServiceParams, type ServiceResult } from './system/service.ts';
export { hostname, type HostnameParams, type HostnameResult } from './system/hostname.ts';
export { kmod, type KmodParams, type KmodResult } from './system/kmod.ts';
export { reboot, type RebootParams, type RebootResult } from './system/reboot.ts';
export { emerge, type EmergeParams, type EmergeResult } from './portage/emerge.ts';
export { lvm } from './lvm/lvm.ts';
export { gnt } from './ganeti/gnt.ts';
// The param and result types a site's own vars and helpers are written with (playbooks/ganeti/vars.ts).
export type { PvParams, PvResult, VgParams, VgResult, LvParams, LvResult, FilterParams } from './lvm/lvm.ts';
export type {
  ParamValue,
  ClusterParams,
  ClusterResult,
  ClusterFacts,
  NodeParams,
  NodeResult,
  VerifyParams,
  VerifyResult,
  VerifyFinding,
  InstanceParams,
  InstanceResult,
  InstanceInfo,
} from './ganeti/gnt.ts';
export type {
  ClusterState,
  NodeState,
  NodeRole,
  InstanceState,
  InstanceStatus,
  QueryParams,
  QueryResult,
  NodeFlagsParams,
  NodeFlagsResult,
  EvacuateParams,
  EvacuateResult,
  MigrateParams,
  MigrateResult,
  Move,
  NonMirroredPolicy,
  MasterParams,
  MasterResult,
  DaemonsParams,
  DaemonsResult,
} from './ganeti/gnt.ts';
export { MIRRORED_TEMPLATES } from './ganeti/gnt.ts';
