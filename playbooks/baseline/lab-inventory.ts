// Builds playbooks/baseline.ts's inventory over several labs at once (drover/lab): a Debian `base` lab and a Gentoo lab in one inventory.
import { inventory, type HostVars, type InventorySpec } from 'drover';
import { labState, type LabState } from 'drover/lab';
import type { BaselineVars } from './vars.ts';

/** The parts of a lab's state this inventory reads. */
export type BaselineLab = Pick<LabState, 'name' | 'profile' | 'keyFile' | 'knownHostsFile'> & {
  hosts: Pick<LabState['hosts'][number], 'short' | 'address'>[];
};

/**
 * One inventory over `labs`: every lab names its hosts node1, node2..., so a host here is
 * `<lab>-<short>` (`deb-node1`), reached at its address with its own lab's key and known_hosts. Groups:
 * one per lab profile (`base`, `gentoo`), so vars can differ per distribution.
 */
export function baselineLabInventory(labs: readonly BaselineLab[], vars: BaselineVars): InventorySpec<BaselineVars> {
  if (labs.length === 0) throw new Error('baselineLabInventory: no lab given');
  const children: Record<string, { hosts: Record<string, HostVars<Partial<BaselineVars>>> }> = {};
  for (const lab of labs) {
    const group = (children[lab.profile] ??= { hosts: {} });
    for (const h of lab.hosts)
      group.hosts[`${lab.name}-${h.short}`] = {
        ansible_host: h.address,
        ansible_user: 'root',
        ansible_ssh_private_key_file: lab.keyFile,
        known_hosts_file: lab.knownHostsFile,
      };
  }
  return inventory<BaselineVars>({ vars: { ...vars }, children });
}

/** The states of the labs named (as `drover lab up --name` recorded them); a clear error for one that is not up. */
export async function readBaselineLabs(names: readonly string[]): Promise<LabState[]> {
  return Promise.all(
    names.map(async (n) => {
      const s = await labState(n);
      if (!s)
        throw new Error(
          `lab '${n}' is not up: run \`npx drover lab up 1 --name ${n}\` (add --profile gentoo for a Gentoo host)`,
        );
      return s;
    }),
  );
}
