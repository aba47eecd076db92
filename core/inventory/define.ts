// The typed TypeScript inventory form: `export default inventory<NodeVars>({ hosts, vars, children })`.

/** Connection vars drover understands, typed, so a typo in a value is a compile error. */
export interface ConnectionVars {
  /** Address to connect to instead of the inventory name. */
  ansible_host?: string;
  ansible_port?: number;
  ansible_user?: string;
  /** `~` expands to the home directory; a relative path is relative to the inventory file's directory. */
  ansible_ssh_private_key_file?: string;
  ansible_become?: boolean;
  /** Name of an environment variable holding the sudo password, or 'prompt'. */
  ansible_become_password_env?: string;
  ansible_connection?: 'ssh' | 'local';
  /** known_hosts file to verify host keys against (relative to the inventory file's directory). */
  known_hosts_file?: string;
  /** Jump hosts to connect through, as `ssh -J` takes them: `[user@]host[:port]`, comma list for a chain, or `none`. Wins over ssh_config's ProxyJump. */
  ssh_proxy_jump?: string;
  /** ssh config file read instead of ~/.ssh/config and /etc/ssh/ssh_config, as `ssh -F` (relative to the inventory file's directory). */
  ssh_config_file?: string;
  /** Ansible's extra ssh arguments: `-o Keyword=Value`, `-J`, `-F`, ... (README: Connections). */
  ansible_ssh_args?: string;
  ansible_ssh_common_args?: string;
  ansible_ssh_extra_args?: string;
  /** Plain-text passwords are refused: use ansible_become_password_env. */
  ansible_become_password?: never;
  ansible_password?: never;
}

/**
 * Vars on a host or group: fields of V (each optional here: a group may give it instead) and the
 * connection vars. With a V, an unknown var name in an object literal is a compile error (a typo);
 * without one (V = Record<string, unknown>) any name is allowed.
 */
export type HostVars<V> = Partial<V> & ConnectionVars;

/** One group: its own hosts (name → vars, or null), vars for all its hosts, child groups. */
export interface GroupSpec<V> {
  hosts?: { [name: string]: HostVars<V> | null } | readonly string[];
  vars?: HostVars<V>;
  children?: { [group: string]: GroupSpec<V> | null };
}

/** A whole inventory: the `all` group (the same shape as `all:` in a YAML inventory). */
export type InventorySpec<V = Record<string, unknown>> = GroupSpec<V>;

const BRAND = Symbol.for('drover.inventory');

/**
 * Declares a typed inventory. V is the host vars type the playbooks expect; each value given for a
 * field of V is type-checked (every level is Partial<V>: a field may come from a group instead).
 *
 *     export default inventory<NodeVars>({
 *       vars: { ansible_user: 'root' },
 *       children: { ganeti: { hosts: { node1: { ansible_host: '10.0.0.1', drbd_minor: 1 } } } },
 *     })
 */
export function inventory<V extends object = Record<string, unknown>>(spec: InventorySpec<V>): InventorySpec<V> {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new TypeError('inventory() takes an object: { hosts?, vars?, children? }');
  Object.defineProperty(spec, BRAND, { value: true, enumerable: false });
  return spec;
}

/** Whether a value came from inventory(). */
export function isInventorySpec(value: unknown): value is InventorySpec {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
