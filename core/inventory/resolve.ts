// Turns what the parsers built into an Inventory: implicit groups, depths, each host's groups and merged vars.
import { connectionFromVars } from './connection-vars.ts';
import { markSecretVars } from './secret-vars.ts';
import { splitPattern } from './patterns.ts';
import {
  groupVars,
  InventoryError,
  mergeVars,
  originOf,
  type Inventory,
  type InventoryBuilder,
  type InventoryGroup,
  type InventoryHost,
  type Vars,
} from './model.ts';

/** Ansible's merge order for groups: shallow first, then lower ansible_group_priority, then name. */
export function compareGroups(a: InventoryGroup, b: InventoryGroup): number {
  return a.depth - b.depth || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Adds top-level groups under `all`, puts group-less hosts in `ungrouped`, computes depths and priorities. */
export function finishGroups(b: InventoryBuilder): void {
  const all = b.groups.get('all')!;
  const ungrouped = b.groups.get('ungrouped')!;
  for (const g of b.groups.values()) {
    if (g.name !== 'all' && g.parents.length === 0) b.addChild('all', g.name);
  }
  // ungrouped first among all's children, as Ansible lists it.
  all.children.sort((x, y) => (x === 'ungrouped' ? -1 : y === 'ungrouped' ? 1 : 0));
  const direct = directGroups(b);
  const removeFromUngrouped = new Set<string>();
  for (const h of b.hosts.keys()) {
    const groups = direct.get(h) ?? [];
    const others = groups.filter((g) => g !== 'ungrouped');
    if (others.length > 0 && groups.includes('ungrouped')) removeFromUngrouped.add(h);
    if (groups.length === 0) ungrouped.hosts.push(h);
  }
  ungrouped.hosts = ungrouped.hosts.filter((h) => !removeFromUngrouped.has(h));
  // Host order inside ungrouped follows the inventory order.
  const position = new Map([...b.hosts.keys()].map((h, i) => [h, i]));
  ungrouped.hosts.sort((x, y) => position.get(x)! - position.get(y)!);

  for (const g of b.groups.values()) g.depth = -1;
  const visit = (g: InventoryGroup, depth: number) => {
    if (depth <= g.depth) return;
    g.depth = depth;
    for (const c of g.children) visit(b.groups.get(c)!, depth + 1);
  };
  visit(all, 0);
  for (const g of b.groups.values()) {
    const p = g.inventoryVars.ansible_group_priority;
    if (p === undefined) continue;
    const n = typeof p === 'string' && /^-?\d+$/.test(p.trim()) ? Number(p) : p;
    if (typeof n !== 'number' || !Number.isInteger(n))
      throw new InventoryError(`group ${g.name}: ansible_group_priority must be an integer, got ${JSON.stringify(p)}`);
    g.priority = n;
    // Ansible uses it to order groups and does not show it as a var.
    delete g.inventoryVars.ansible_group_priority;
  }
}

/** Each host's direct groups (the groups that list it themselves; `all` does not count). */
export function directGroups(b: Pick<InventoryBuilder, 'groups'>): Map<string, string[]> {
  const direct = new Map<string, string[]>();
  for (const g of b.groups.values()) {
    if (g.name === 'all') continue;
    for (const h of g.hosts) {
      const list = direct.get(h);
      if (list) list.push(g.name);
      else direct.set(h, [g.name]);
    }
  }
  return direct;
}

/** The groups a host is in (directly or through children), `all` included, in merge order. */
export function groupsOfHost(b: Pick<InventoryBuilder, 'groups'>, direct: readonly string[]): InventoryGroup[] {
  const found = new Set<string>();
  const up = (name: string) => {
    if (found.has(name)) return;
    found.add(name);
    for (const p of b.groups.get(name)!.parents) up(p);
  };
  for (const g of direct) up(g);
  found.add('all');
  return [...found].map((n) => b.groups.get(n)!).sort(compareGroups);
}

/**
 * A host's vars, lowest to highest: inventory group vars (all, then parents before children,
 * same depth by priority then name), group_vars/ files in the same group order, the host's
 * inventory vars, host_vars/ files, extra vars. Top-level keys replace (Ansible's hash_behaviour=replace).
 */
export function mergeHostVars(groups: InventoryGroup[], hostVars: Vars, hostFileVars: Vars, extraVars: Vars): Vars {
  const out: Vars = {};
  for (const g of groups) mergeVars(out, g.inventoryVars);
  for (const g of groups) mergeVars(out, g.fileVars);
  return mergeVars(out, hostVars, hostFileVars, extraVars);
}

/** Builds the final Inventory (the builder must be complete: all sources and vars dirs applied). */
export function resolveInventory(b: InventoryBuilder, source: string, baseDir: string, extraVars: Vars): Inventory {
  finishGroups(b);
  const hosts: InventoryHost[] = [];
  const direct = directGroups(b);
  for (const raw of b.hosts.values()) {
    const groups = groupsOfHost(b, direct.get(raw.name) ?? []);
    const vars = mergeHostVars(groups, raw.vars, raw.fileVars, extraVars);
    markSecretVars(`host ${raw.name}`, vars);
    const { connection, knownHostsFile } = connectionFromVars(raw.name, vars, baseDir, (k) => originOf(vars, k));
    const host: InventoryHost = { name: raw.name, groups: groups.map((g) => g.name), vars, connection };
    if (knownHostsFile) host.knownHostsFile = knownHostsFile;
    hosts.push(host);
  }
  return { source, baseDir, hosts, groups: b.groups, extraVars };
}

/**
 * Play-wide vars for a play over `pattern`: the `all` group's vars, then the vars of each group the
 * pattern names as a plain term (in merge order: depth, priority, name), then extra vars.
 */
export function playVars(inv: Inventory, pattern: string): Vars {
  const named = splitPattern(pattern)
    .filter((t) => t[0] !== '!' && t[0] !== '~')
    .map((t) => (t[0] === '&' ? t.slice(1) : t))
    .filter((t) => t !== 'all' && inv.groups.has(t))
    .map((t) => inv.groups.get(t)!)
    .sort(compareGroups);
  const out: Vars = groupVars(inv, 'all');
  for (const g of named) mergeVars(out, groupVars(inv, g.name));
  mergeVars(out, inv.extraVars);
  markSecretVars('play vars', out);
  return out;
}
