// The fact catalog: every fact's name, its type, and its part of the probe (what `facts(host, ...)` can ask).
import type { GroupEntry, UserEntry } from './accounts.ts';
import { groupsFact, usersFact } from './accounts.ts';
import type { FactProbe } from './fact.ts';
import { cpuFact, memoryFact, type CpuFact, type MemoryFact } from './hardware.ts';
import { networkFact, type NetworkFact } from './network.ts';
import { kernelFact, osFact, type KernelFact, type OsFact } from './os.ts';
import { blockDevicesFact, mountsFact, type BlockDevice, type MountEntry } from './storage.ts';
import { initFact, packageManagerFact, type InitFact, type PackageManagerFact } from './system.ts';

/** Every fact by name, with its type: `facts(host, 'os')` gives `Pick<Facts, 'os'>`. */
export interface Facts {
  os: OsFact;
  kernel: KernelFact;
  cpu: CpuFact;
  memory: MemoryFact;
  network: NetworkFact;
  mounts: readonly MountEntry[];
  blockDevices: readonly BlockDevice[];
  init: InitFact;
  packageManager: PackageManagerFact;
  users: readonly UserEntry[];
  groups: readonly GroupEntry[];
}

/** A fact's name; any other string is a type error where a fact is asked for. */
export type FactName = keyof Facts;

export const CATALOG: { readonly [K in FactName]: FactProbe<Facts[K]> } = {
  os: osFact,
  kernel: kernelFact,
  cpu: cpuFact,
  memory: memoryFact,
  network: networkFact,
  mounts: mountsFact,
  blockDevices: blockDevicesFact,
  init: initFact,
  packageManager: packageManagerFact,
  users: usersFact,
  groups: groupsFact,
};

/** The names, in the catalog's order (for `drover list` and errors). */
export const FACT_NAMES = Object.keys(CATALOG) as FactName[];
