// Turns what the parsers built into an Inventory: implicit groups, depths, each host's groups and merged vars.
import { isAbsolute } from 'node:path';
import { connectionFromVars } from './connection-vars.ts';
import { jsonText } from './json-text.ts';
import { numberOf } from './py-float.ts';
import { markSecretVars } from './secret-vars.ts';
import { splitPattern } from './patterns.ts';
import { checkTemplates, templatedVars, varResolver, type HostContext } from './templated-vars.ts';
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
    const p = numberOf(g.inventoryVars.ansible_group_priority);
    if (p === undefined) continue;
    const n = typeof p === 'string' && /^-?\d+$/.test(p.trim()) ? Number(p) : p;
    if (typeof n !== 'number' || !Number.isInteger(n))
      throw new InventoryError(`group ${g.name}: ansible_group_priority must be an integer, got ${jsonText(p)}`);
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
 * A host's vars, lowest to highest, in ansible-core's default VARIABLE_PRECEDENCE: inventory group vars
 * (all, then parents before children, same depth by priority then name); group_vars/all beside the
 * inventory, then beside the playbook; the other groups' group_vars/ beside the inventory, then beside
 * the playbook, in the same group order; the host's inventory vars; host_vars/ beside the inventory,
 * then beside the playbook; extra vars. Top-level keys replace (Ansible's hash_behaviour=replace).
 */
export function mergeHostVars(
  groups: InventoryGroup[],
  host: { vars: Vars; fileVars: Vars; playbookVars?: Vars },
  extraVars: Vars,
): Vars {
  const out: Vars = {};
  for (const g of groups) mergeVars(out, g.inventoryVars);
  const all = groups.filter((g) => g.name === 'all');
  const others = groups.filter((g) => g.name !== 'all');
  for (const g of all) mergeVars(out, g.fileVars, g.playbookVars ?? {});
  for (const g of others) mergeVars(out, g.fileVars);
  for (const g of others) mergeVars(out, g.playbookVars ?? {});
  return mergeVars(out, host.vars, host.fileVars, host.playbookVars ?? {}, extraVars);
}

/** Builds the final Inventory (the builder must be complete: all sources and vars dirs applied). */
export function resolveInventory(
  b: InventoryBuilder,
  source: string,
  baseDir: string,
  extraVars: Vars,
  playbookDir?: string,
): Inventory {
  finishGroups(b);
  const direct = directGroups(b);
  const merged = [...b.hosts.values()].map((raw) => {
    const groups = groupsOfHost(b, direct.get(raw.name) ?? []);
    const rawVars = mergeHostVars(groups, raw, extraVars);
    checkTemplates(`host ${raw.name}`, rawVars);
    return { name: raw.name, groups, rawVars, file: raw.file };
  });
  // Templates may read every host's vars (hostvars) and every group's hosts (groups), as in Ansible.
  const groupsVar: Record<string, string[]> = {};
  for (const name of b.groups.keys())
    Object.defineProperty(groupsVar, name, { value: groupHostNames(b, name), enumerable: true });
  const hostvars: Record<string, unknown> = {};
  const contexts = new Map<string, HostContext>();
  const resolvers = new Map<string, (name: string) => unknown>();
  for (const h of merged) {
    const ctx: HostContext = {
      name: h.name,
      groupNames: h.groups
        .map((g) => g.name)
        .filter((g) => g !== 'all')
        .sort(),
      groups: groupsVar,
      hostvars,
      playbookDir,
      inventoryFile: h.file && isAbsolute(h.file) ? h.file : undefined,
    };
    contexts.set(h.name, ctx);
    resolvers.set(h.name, varResolver(h.rawVars, ctx));
    // hostvars[NAME][KEY] renders NAME's var on first use.
    const view: Vars = {};
    for (const k of Object.keys(h.rawVars))
      Object.defineProperty(view, k, { enumerable: true, get: () => resolvers.get(h.name)!(k) });
    Object.defineProperty(hostvars, h.name, { value: view, enumerable: true });
  }
  const hosts: InventoryHost[] = [];
  for (const h of merged) {
    const vars = templatedVars(`host ${h.name}`, h.rawVars, resolvers.get(h.name)!);
    markSecretVars(`host ${h.name}`, vars);
    const { connection, knownHostsFile } = connectionFromVars(h.name, vars, baseDir, (k) => originOf(vars, k));
    const host: InventoryHost = {
      name: h.name,
      groups: h.groups.map((g) => g.name),
      vars,
      rawVars: h.rawVars,
      connection,
    };
    if (knownHostsFile) host.knownHostsFile = knownHostsFile;
    hosts.push(host);
  }
  return { source, baseDir, hosts, groups: b.groups, extraVars, playbookDir };
}

/**
 * A group's hosts as Ansible's Group.get_hosts gives them (the `groups` magic var): its own hosts, then
 * its children's, level by level, without repeats.
 */
function groupHostNames(b: Pick<InventoryBuilder, 'groups'>, name: string): string[] {
  const out = new Set<string>();
  const seen = new Set<string>([name]);
  let level = [name];
  while (level.length) {
    const next: string[] = [];
    for (const g of level) {
      const group = b.groups.get(g)!;
      for (const h of group.hosts) out.add(h);
      for (const c of group.children) if (!seen.has(c)) seen.add(c), next.push(c);
    }
    level = next;
  }
  return [...out];
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
  const raw: Vars = groupVars(inv, 'all');
  for (const g of named) mergeVars(raw, groupVars(inv, g.name));
  mergeVars(raw, inv.extraVars);
  checkTemplates('play vars', raw);
  const out = templatedVars('play vars', raw, varResolver(raw));
  markSecretVars('play vars', out);
  return out;
}
