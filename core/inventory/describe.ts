// `drover inventory` output: the whole inventory in `ansible-inventory --list` shape, or one host's merged vars.
import { InventoryError, type Inventory, type Vars } from './model.ts';

export interface InventoryGroupJson {
  hosts?: string[];
  children?: string[];
  vars?: Vars;
}

export type InventoryJson = { _meta: { hostvars: Record<string, Vars> } } & { [group: string]: InventoryGroupJson | { hostvars: Record<string, Vars> } };

/**
 * Like `ansible-inventory --list`: `_meta.hostvars` holds each host's merged vars; each group lists its
 * own hosts and child groups, plus its own vars (inventory + group_vars/, as `--export` shows them).
 * Empty groups other than `all` are left out, as Ansible does.
 */
export function inventoryJson(inv: Inventory): InventoryJson {
  const hostvars: Record<string, Vars> = {};
  for (const h of inv.hosts) hostvars[h.name] = h.vars;
  const out = { _meta: { hostvars } } as InventoryJson;
  for (const g of inv.groups.values()) {
    const entry: InventoryGroupJson = {};
    if (g.hosts.length) entry.hosts = [...g.hosts];
    if (g.children.length) entry.children = [...g.children];
    const vars = { ...g.inventoryVars, ...g.fileVars };
    if (Object.keys(vars).length) entry.vars = vars;
    if (g.name === 'all' || Object.keys(entry).length) out[g.name] = entry;
  }
  return out;
}

/** One host's merged vars (`ansible-inventory --host NAME`); an unknown name is an error listing a few known ones. */
export function hostJson(inv: Inventory, name: string): Vars {
  const host = inv.hosts.find((h) => h.name === name);
  if (!host) {
    const names = inv.hosts.map((h) => h.name);
    const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? `, … (${names.length} hosts)` : '');
    throw new InventoryError(`no host named ${name} in inventory ${inv.source}${names.length ? ` (hosts: ${shown})` : ' (it has no hosts)'}`);
  }
  return host.vars;
}
