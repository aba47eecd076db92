// Packages for playbooks/baseline.ts, by the host's own package manager (the packageManager fact): apt or emerge.
import type { Host, Result } from 'drover';
import { apt, emerge, type PackageManagerFact } from 'drover/modules';

/** The list for this host's manager, or a clear error for one the baseline does not drive. */
export function packagesFor(
  pm: PackageManagerFact,
  lists: { apt?: readonly string[]; portage?: readonly string[] },
): { manager: 'apt' | 'portage'; names: string[] } {
  if (pm.name === 'apt' || pm.name === 'portage') return { manager: pm.name, names: [...(lists[pm.name] ?? [])] };
  throw new Error(`the baseline installs packages with apt or Portage; this host's package manager is ${pm.name}`);
}

/** Installs `names` with the host's manager (nothing when the list is empty). */
export async function installPackages<V>(
  host: Host<V>,
  pm: PackageManagerFact,
  lists: { apt?: readonly string[]; portage?: readonly string[] },
): Promise<Result | undefined> {
  const { manager, names } = packagesFor(pm, lists);
  if (names.length === 0) return undefined;
  // apt's lists are refreshed when older than a day (a fresh host has none); Portage's tree is the site's to sync.
  return manager === 'apt'
    ? apt(host, { names, state: 'present', updateCache: true, cacheValidTime: 86_400 })
    : emerge(host, { atoms: names });
}
