// `drover inventory` output: the inventory in `ansible-inventory --list` shape, or one host's merged vars.
import { isSecret } from '../secret.ts';
import { matchPattern } from './patterns.ts';
import { jsonText } from './json-text.ts';
import { isTemplate } from './template.ts';
import { InventoryError, putVar, type Inventory, type InventoryHost, type Vars } from './model.ts';

export interface InventoryGroupJson {
  hosts?: string[];
  children?: string[];
}

export type InventoryJson = { _meta: { hostvars: Record<string, Vars> } } & {
  [group: string]: InventoryGroupJson | { hostvars: Record<string, Vars> };
};

/**
 * A host's vars as ansible-inventory prints them: as written, templates unrendered; a plain value that is
 * a Secret for the playbook (drover_secret_vars) is a Secret here too.
 */
function shownVars(h: InventoryHost): Vars {
  if (!h.rawVars) return h.vars;
  const out: Vars = {};
  for (const k of Object.keys(h.rawVars)) {
    const seen = Object.getOwnPropertyDescriptor(h.vars, k);
    const raw = h.rawVars[k];
    // A template is printed as written even when its value is secret (it holds no secret itself).
    const template = typeof raw === 'string' && isTemplate(raw);
    putVar(out, k, seen && 'value' in seen && isSecret(seen.value) && !template ? seen.value : raw);
  }
  return out;
}

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
  for (const h of hosts) if (Object.keys(h.rawVars ?? h.vars).length) putVar(hostvars, h.name, shownVars(h));
  out._meta = { hostvars };
  return out;
}

/**
 * One host's merged vars, like `ansible-inventory --host PATTERN`: the pattern must select exactly
 * one host (a host name, or e.g. a group of one host); otherwise an error says what it selected.
 */
export function hostJson(inv: Inventory, pattern: string): Vars {
  const exact = inv.hosts.find((h) => h.name === pattern);
  if (exact) return shownVars(exact);
  const { hosts } = matchPattern(inv, pattern);
  if (hosts.length === 1) return shownVars(hosts[0]);
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

/** JSON text of `drover inventory` output: numbers as ansible-inventory writes Python's (see jsonText). */
export function inventoryText(value: unknown): string {
  return jsonText(value, 2);
}
