// The inventory data model: what parsers build (InventoryBuilder) and what the rest of drover reads (Inventory).
import { UsageError } from '../errors.ts';
import type { InventoryConnection } from '../transport.ts';

export type Vars = Record<string, unknown>;

/** One host after loading: merged vars (see README: precedence) and how to reach it. */
export interface InventoryHost {
  name: string;
  /**
   * Every group the host belongs to, directly or through child groups, including `all` (and
   * `ungrouped` when it is in no other group), in var-merge order: by depth, priority, name.
   */
  groups: string[];
  vars: Vars;
  connection: InventoryConnection;
  /** known_hosts file named by the `known_hosts_file` var, as an absolute path. */
  knownHostsFile?: string;
}

export interface InventoryGroup {
  name: string;
  /** Hosts listed in the group itself (not through children), in inventory order. */
  hosts: string[];
  children: string[];
  parents: string[];
  /** Longest distance from `all` (all = 0, top-level groups = 1): deeper groups win var conflicts. */
  depth: number;
  /** `ansible_group_priority` (default 1): breaks ties between groups of the same depth before the name does. */
  priority: number;
  /** Vars set in the inventory source itself. */
  inventoryVars: Vars;
  /** Vars from group_vars/<name>.yml|yaml|json or group_vars/<name>/ (win over every inventoryVars). */
  fileVars: Vars;
}

export interface Inventory {
  /** The -i argument as given. */
  source: string;
  /** Relative key and known_hosts paths are resolved against this directory. */
  baseDir: string;
  /** In inventory order (the order hosts first appear in the sources). */
  hosts: InventoryHost[];
  /** Every group, `all` and `ungrouped` included, in the order they first appear. */
  groups: Map<string, InventoryGroup>;
  /** Extra vars (-e) the inventory was loaded with: they win over everything. */
  extraVars: Vars;
}

/** Bad inventory: names the file and line when known. Exits 1 like any usage error. */
export class InventoryError extends UsageError {
  override name = 'InventoryError';
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(file ? `${file}${line ? `:${line}` : ''}: ${message}` : message);
  }
}

/** A group's own vars: inventory vars, then group_vars/ files. */
export function groupVars(inv: Inventory, name: string): Vars {
  const g = inv.groups.get(name);
  if (!g) throw new InventoryError(`no group named ${name} in inventory ${inv.source}`);
  return { ...g.inventoryVars, ...g.fileVars };
}

/** Names of the vars in `required` that the host lacks (absent, undefined or null). */
export function missingVars(host: Pick<InventoryHost, 'vars'>, required: readonly string[]): string[] {
  return required.filter((key) => !Object.hasOwn(host.vars, key) || host.vars[key] === undefined || host.vars[key] === null);
}

/**
 * Plain-text secrets drover refuses in inventories: a leaked inventory must not leak a password.
 * Each maps to what to use instead.
 */
const PLAINTEXT_SECRETS: Record<string, string> = {
  ansible_become_password: 'use ansible_become_password_env: NAME_OF_ENV_VAR holding the sudo password (or "prompt")',
  ansible_become_pass: 'use ansible_become_password_env: NAME_OF_ENV_VAR holding the sudo password (or "prompt")',
  ansible_sudo_pass: 'use ansible_become_password_env: NAME_OF_ENV_VAR holding the sudo password (or "prompt")',
  ansible_password: 'drover logs in with SSH keys: use ansible_ssh_private_key_file or ssh-agent',
  ansible_ssh_pass: 'drover logs in with SSH keys: use ansible_ssh_private_key_file or ssh-agent',
  ansible_ssh_password: 'drover logs in with SSH keys: use ansible_ssh_private_key_file or ssh-agent',
};

/** Throws when `key` is a plain-text password var; `where` says where it was set (file:line, -e). */
export function refusePlaintextSecret(key: string, where: { file?: string; line?: number; label?: string }): void {
  const instead = PLAINTEXT_SECRETS[key];
  if (!instead) return;
  throw new InventoryError(
    `${where.label ? `${where.label}: ` : ''}${key} holds a plain-text password, which drover refuses in inventories; ${instead}`,
    where.file,
    where.line,
  );
}

/** Where a var, host or group was written, for error messages. */
export interface Origin {
  file?: string;
  line?: number;
  label?: string;
}

export interface RawHost {
  name: string;
  vars: Vars;
  /** host_vars/<name> files. */
  fileVars: Vars;
}

/**
 * Accumulates hosts, groups and vars from one or more sources (parsers call it in file order),
 * then `index.ts` finalises it into an Inventory.
 */
export class InventoryBuilder {
  readonly hosts = new Map<string, RawHost>();
  readonly groups = new Map<string, InventoryGroup>();

  constructor() {
    this.group('all');
    this.group('ungrouped');
  }

  /** Declares a group (idempotent). */
  group(name: string, origin?: Origin): InventoryGroup {
    let g = this.groups.get(name);
    if (!g) {
      if (!name || /[\s:\]]/.test(name)) throw new InventoryError(`invalid group name ${JSON.stringify(name)}`, origin?.file, origin?.line);
      g = { name, hosts: [], children: [], parents: [], depth: 0, priority: 1, inventoryVars: {}, fileVars: {} };
      this.groups.set(name, g);
    }
    return g;
  }

  /** Adds a host (idempotent) to a group, merging vars over any it already had. */
  host(name: string, group: string, vars: Vars, origin?: Origin): RawHost {
    if (!name) throw new InventoryError('empty host name', origin?.file, origin?.line);
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, vars: {}, fileVars: {} };
      this.hosts.set(name, h);
    }
    for (const [k, v] of Object.entries(vars)) {
      refusePlaintextSecret(k, { ...origin, label: origin?.label ?? `host ${name}` });
      h.vars[k] = v;
    }
    const g = this.group(group, origin);
    if (group !== 'all' && !g.hosts.includes(name)) g.hosts.push(name);
    return h;
  }

  setGroupVar(group: string, key: string, value: unknown, origin?: Origin): void {
    refusePlaintextSecret(key, { ...origin, label: origin?.label ?? `group ${group}` });
    this.group(group, origin).inventoryVars[key] = value;
  }

  /** Makes `child` a child group of `parent`; refuses loops (a group would contain itself). */
  addChild(parent: string, child: string, origin?: Origin): void {
    if (child === 'all') throw new InventoryError(`group all cannot be a child of ${parent}`, origin?.file, origin?.line);
    const p = this.group(parent, origin);
    const c = this.group(child, origin);
    if (p.children.includes(child)) return;
    if (parent === child || this.isAncestor(child, parent)) {
      throw new InventoryError(`adding group ${child} as a child of ${parent} creates a loop`, origin?.file, origin?.line);
    }
    p.children.push(child);
    c.parents.push(parent);
  }

  /** Whether `a` is `b` or contains it through children. */
  private isAncestor(a: string, b: string): boolean {
    if (a === b) return true;
    const g = this.groups.get(a);
    return !!g && g.children.some((c) => this.isAncestor(c, b));
  }
}
