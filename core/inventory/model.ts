// The inventory data model: what parsers build (InventoryBuilder) and what the rest of drover reads (Inventory).
import { UsageError } from '../errors.ts';
import { safeLine, unsafeChar } from '../render/terminal-safe.ts';

export type Vars = Record<string, unknown>;

/** One host after loading: merged vars (see README: precedence) and how to reach it. */
export interface InventoryHost {
  name: string;
  /**
   * Every group the host belongs to, directly or through child groups, including `all` (and
   * `ungrouped` when it is in no other group), in var-merge order: by depth, priority, name.
   */
  groups: string[];
  /** The merged vars as a playbook sees them: `{{ }}` rendered, typed (see templated-vars.ts). */
  vars: Vars;
  /** The merged vars as written, templates unrendered: what `ansible-inventory --host` prints. */
  rawVars?: Vars;
  connection: InventoryConnection;
  /** known_hosts file named by the `known_hosts_file` var, as an absolute path. */
  knownHostsFile?: string;
}

export interface InventoryGroup {
  name: string;
  /** Hosts listed in the group itself (not through children), in inventory order (for `all`: hosts written directly under it). */
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
  /** Vars from group_vars/ beside the playbook (each wins over the inventory's group_vars/ of the same level). */
  playbookVars: Vars;
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
  /** The playbook's directory, whose group_vars/ and host_vars/ were read too (as ansible-playbook does). */
  playbookDir?: string;
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

/**
 * Sets `obj[key] = value` as an own data property. Var, host and group names come from files and
 * -e, and a plain assignment of `__proto__` would replace the object's prototype instead.
 */
export function putVar(obj: Vars, key: string, value: unknown, origin?: Origin): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  if (origin) originsOf(obj).set(key, origin);
}

/** Where each var of a vars object was written (file:line), kept beside it for error messages. */
const origins = new WeakMap<Vars, Map<string, Origin>>();
function originsOf(obj: Vars): Map<string, Origin> {
  let m = origins.get(obj);
  if (!m) origins.set(obj, (m = new Map()));
  return m;
}

/** Where var `key` of `vars` was written, when known. */
export function originOf(vars: Vars, key: string): Origin | undefined {
  return origins.get(vars)?.get(key);
}

/** Object.assign without its `__proto__` setter hazard: copies each own key of each source (and where it was written), later wins. */
export function mergeVars(target: Vars, ...sources: Vars[]): Vars {
  for (const src of sources) {
    const from = origins.get(src);
    for (const k of Object.keys(src)) {
      putVar(target, k, src[k]);
      const o = from?.get(k);
      if (o) originsOf(target).set(k, o);
      else origins.get(target)?.delete(k);
    }
  }
  return target;
}

/** A group's own vars: inventory vars, then group_vars/ files beside the inventory, then beside the playbook. */
export function groupVars(inv: Inventory, name: string): Vars {
  const g = inv.groups.get(name);
  if (!g) throw new InventoryError(`no group named ${name} in inventory ${inv.source}`);
  return mergeVars({}, g.inventoryVars, g.fileVars, g.playbookVars);
}

/** Names of the vars in `required` that the host lacks (absent, undefined or null). */
export function missingVars(host: Pick<InventoryHost, 'vars'>, required: readonly string[]): string[] {
  return required.filter(
    (key) => !Object.hasOwn(host.vars, key) || host.vars[key] === undefined || host.vars[key] === null,
  );
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
  // Own keys only: `constructor` or `toString` must not find Object.prototype's functions.
  const instead = Object.hasOwn(PLAINTEXT_SECRETS, key) ? PLAINTEXT_SECRETS[key] : undefined;
  if (!instead) return;
  throw new InventoryError(
    `${where.label ? `${where.label}: ` : ''}${key} holds a plain-text password, which drover refuses in inventories; ${instead}`,
    where.file,
    where.line,
  );
}

/**
 * Host and group names are printed on every channel (host lines, recap, diff headers, errors): one holding
 * a newline, ESC or a bidi override would draw on the operator's terminal. Ansible accepts them; no SSH
 * host can be named so (OpenSSH refuses control characters), so drover refuses them where they are written.
 */
function refuseControlChars(what: 'host' | 'group', name: string, origin?: Origin): void {
  const problem = controlCharProblem(what, name);
  if (problem) throw new InventoryError(problem, origin?.file, origin?.line);
}

/** What is wrong with a name holding such a character (shown escaped), or undefined; range and list parsers check entries with it first. */
export function controlCharProblem(what: 'host' | 'group', name: string): string | undefined {
  const bad = unsafeChar(name);
  return bad === undefined
    ? undefined
    : `${what} name "${safeLine(name)}" contains ${bad}, a control, bidi or invisible character: drover refuses them in ${what} names`;
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
  /** host_vars/<name> files beside the playbook. */
  playbookVars: Vars;
  /** The inventory file that named the host first (Ansible's inventory_file / inventory_dir magic vars). */
  file?: string;
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
      refuseControlChars('group', name, origin);
      if (!name || /[\s:\]]/.test(name))
        throw new InventoryError(`invalid group name ${JSON.stringify(name)}`, origin?.file, origin?.line);
      g = {
        name,
        hosts: [],
        children: [],
        parents: [],
        depth: 0,
        priority: 1,
        inventoryVars: {},
        fileVars: {},
        playbookVars: {},
      };
      this.groups.set(name, g);
    }
    return g;
  }

  /**
   * Adds a host (idempotent) to a group, merging vars over any it already had. `port` (from
   * `host:port`) counts only where the host first appears and any ansible_port var beats it, as in
   * Ansible's add_host: `h1:2222 ansible_port=3333` is 3333, and a later `h1:2201` changes nothing.
   */
  host(name: string, group: string, vars: Vars, origin?: Origin, port?: number): RawHost {
    if (!name) throw new InventoryError('empty host name', origin?.file, origin?.line);
    refuseControlChars('host', name, origin);
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, vars: {}, fileVars: {}, playbookVars: {}, file: origin?.file };
      if (port !== undefined) putVar(h.vars, 'ansible_port', port, origin);
      this.hosts.set(name, h);
    }
    for (const [k, v] of Object.entries(vars)) {
      const at = originOf(vars, k) ?? origin;
      refusePlaintextSecret(k, { ...at, label: at?.label ?? `host ${name}` });
      putVar(h.vars, k, v, at);
    }
    const g = this.group(group, origin);
    // `all` keeps the hosts set on it directly too: Ansible lists them first among all's hosts.
    if (!g.hosts.includes(name)) g.hosts.push(name);
    return h;
  }

  setGroupVar(group: string, key: string, value: unknown, origin?: Origin): void {
    refusePlaintextSecret(key, { ...origin, label: origin?.label ?? `group ${group}` });
    putVar(this.group(group, origin).inventoryVars, key, value, origin);
  }

  /** Makes `child` a child group of `parent`; refuses loops (a group would contain itself). */
  addChild(parent: string, child: string, origin?: Origin): void {
    if (child === 'all')
      throw new InventoryError(`group all cannot be a child of ${parent}`, origin?.file, origin?.line);
    const p = this.group(parent, origin);
    const c = this.group(child, origin);
    if (p.children.includes(child)) return;
    if (parent === child || this.isAncestor(child, parent)) {
      throw new InventoryError(
        `adding group ${child} as a child of ${parent} creates a loop`,
        origin?.file,
        origin?.line,
      );
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

/** Connection settings a host's inventory vars give (Ansible names mapped by the inventory loader). */
export interface InventoryConnection {
  /** 'local' for localhost / connection: local / ansible_connection=local. */
  connection?: 'ssh' | 'local';
  /** ansible_host: address to connect to instead of the inventory name. */
  address?: string;
  /** ansible_port */
  port?: number;
  /** ansible_user */
  user?: string;
  /** ansible_ssh_private_key_file */
  keyFile?: string;
  /** ansible_become */
  become?: boolean;
  /** ansible_become_password_env (drover): name of an env var holding the sudo password; 'prompt' asks once. */
  becomePassword?: { env: string } | { prompt: true };
  /** ssh config file read instead of ~/.ssh/config and /etc/ssh/ssh_config (`-F` in ansible_ssh_common_args, or ssh_config_file). */
  sshConfigFile?: string;
  /**
   * ssh options given as on ssh's command line (`-o K=V`, `-J` as ProxyJump, and the typed ssh_proxy_jump):
   * they win over every ssh config file. `at` says which var set it, for errors.
   */
  sshOptions?: { keyword: string; value: string; at: string }[];
}
