// Typed facts on demand: facts(host, ...names) and the types of every fact (what `drover/modules` exports of them).
export { facts, parseFacts, factsProbe, factsSections, type FactHost, type HostFacts } from './gather.ts';
export { FACT_NAMES, type FactName, type Facts } from './catalog.ts';
export { FactError } from './fact.ts';
export type { OsFact, OsFamily, KernelFact } from './os.ts';
export type { CpuFact, MemoryFact } from './hardware.ts';
export type { NetworkFact, NetInterface, NetAddress, DefaultRoute } from './network.ts';
export type { MountEntry, BlockDevice } from './storage.ts';
export type { InitFact, InitSystem, PackageManager, PackageManagerFact } from './system.ts';
export type { UserEntry, GroupEntry } from './accounts.ts';
