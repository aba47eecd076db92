// `drover inventory` output: the inventory in `ansible-inventory --list` shape, or one host's merged vars.
import { matchPattern } from './patterns.ts';
import { InventoryError, putVar, type Inventory, type InventoryHost, type Vars } from './model.ts';

export interface InventoryGroupJson {
  hosts?: string[];
  children?: string[];
}

export type InventoryJson = { _meta: { hostvars: Record<string, Vars> } } & {
  [group: string]: InventoryGroupJson | { hostvars: Record<string, Vars> };
};

/**
 * Exactly what `ansible-inventory --list` prints (its json_inventory): `_meta.hostvars` holds each
 * host's merged vars (hosts with none are left out); each group lists its own hosts and its child
 * groups; group vars are folded into hostvars, not shown; a group left with no hosts and no children
 * is left out (its parent still names it). With `selected` (drover inventory -l PATTERN), only those
 * hosts appear, in that order in hostvars.
 */
export function inventoryJson(inv: Inventory, selected?: readonly InventoryHost[]): InventoryJson {
  const hosts = selected ?? matchPattern(inv, 'all').hosts;
  const available = new Set(hosts.map((h) => h.name));
  const out = {} as InventoryJson;
  const seen = new Set<string>();
  const format = (name: string) => {
    const g = inv.groups.get(name)!;
    const entry: InventoryGroupJson = {};
    putVar(out, name, entry);
    if (name !== 'all') {
      const own = g.hosts.filter((h) => available.has(h));
      if (own.length) entry.hosts = own;
    }
    if (g.children.length) entry.children = [...g.children];
    for (const c of g.children) {
      if (seen.has(c)) continue;
      seen.add(c);
      format(c);
    }
    if (!entry.hosts && !entry.children) delete (out as Record<string, unknown>)[name];
  };
  format('all');
  const hostvars: Record<string, Vars> = {};
  for (const h of hosts) if (Object.keys(h.vars).length) putVar(hostvars, h.name, h.vars);
  out._meta = { hostvars };
  return out;
}

/**
 * One host's merged vars, like `ansible-inventory --host PATTERN`: the pattern must select exactly
 * one host (a host name, or e.g. a group of one host); otherwise an error says what it selected.
 */
export function hostJson(inv: Inventory, pattern: string): Vars {
  const exact = inv.hosts.find((h) => h.name === pattern);
  if (exact) return exact.vars;
  const { hosts } = matchPattern(inv, pattern);
  if (hosts.length === 1) return hosts[0].vars;
  if (hosts.length > 1) {
    const shown =
      hosts
        .slice(0, 8)
        .map((h) => h.name)
        .join(', ') + (hosts.length > 8 ? ', …' : '');
    throw new InventoryError(
      `--host needs a single host, but '${pattern}' selects ${hosts.length} hosts in inventory ${inv.source} (${shown})`,
    );
  }
  const names = inv.hosts.map((h) => h.name);
  const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? `, … (${names.length} hosts)` : '');
  throw new InventoryError(
    `no host named ${pattern} in inventory ${inv.source}${names.length ? ` (hosts: ${shown})` : ' (it has no hosts)'}`,
  );
}
