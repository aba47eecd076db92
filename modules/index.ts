// drover's modules: what a playbook imports from 'drover/modules'.
export { command, type CommandParams, type CommandResult } from './command/command.ts';
export { sysfile, type SysfileParams, type SysfileResult } from './files/sysfile.ts';
export { service, notifyRestart, type ServiceParams, type ServiceResult } from './system/service.ts';
export { hostname, type HostnameParams, type HostnameResult } from './system/hostname.ts';
export { kmod, type KmodParams, type KmodResult } from './system/kmod.ts';
export { reboot, type RebootParams, type RebootResult } from './system/reboot.ts';
export { emerge, type EmergeParams, type EmergeResult } from './portage/emerge.ts';
export { emergeWorld, type EmergeWorldParams, type EmergeWorldResult } from './portage/emerge-world.ts';
export { binhostServer, type BinhostServerParams, type BinhostServerResult } from './portage/binhost-server.ts';
export { lvm } from './lvm/lvm.ts';
export { gnt } from './ganeti/gnt.ts';
// Accounts (modules/users/): local users and groups, and users' authorized_keys.
export {
  user,
  group,
  authorizedKey,
  type UserParams,
  type UserResult,
  type GroupParams,
  type GroupResult,
  type AuthorizedKeyParams,
  type AuthorizedKeyResult,
} from './users/index.ts';
// Typed facts on demand (modules/facts/): `await facts(host, 'os', 'init')`, one read-only round trip, memoised.
export {
  facts,
  FACT_NAMES,
  FactError,
  type FactName,
  type Facts,
  type HostFacts,
  type OsFact,
  type OsFamily,
  type KernelFact,
  type CpuFact,
  type MemoryFact,
  type NetworkFact,
  type NetInterface,
  type NetAddress,
  type DefaultRoute,
  type MountEntry,
  type BlockDevice,
  type InitFact,
  type InitSystem,
  type PackageManager,
  type PackageManagerFact,
  type UserEntry,
  type GroupEntry,
} from './facts/index.ts';
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
// System basics every site needs (modules/system/): kernel parameters, fstab and mounts, cron jobs.
export { sysctl, type SysctlParams, type SysctlResult } from './system/sysctl.ts';
export { mount, type MountParams, type MountResult } from './system/mount.ts';
export { cron, type CronParams, type CronResult } from './system/cron.ts';
// Packages other than Portage (modules/packages/): Debian's apt.
export { apt, type AptParams, type AptResult } from './packages/apt.ts';
