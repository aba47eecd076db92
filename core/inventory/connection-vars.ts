// Maps a host's Ansible connection vars (ansible_host, ansible_port, ...) to drover's InventoryConnection.
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { InventoryConnection } from './model.ts';
import { isSecret } from '../secret.ts';
import { opensshHostProblem, opensshUserProblem, shown } from '../ssh/host-token-check.ts';
import { SECRET_SOURCE } from '../ssh/ssh-config-resolve.ts';
import { InventoryError, type Origin, type Vars } from './model.ts';
import { jsonText } from './json-text.ts';
import { parseSshArgs } from './ssh-args.ts';

/** Ansible's boolean strings (yes/no/true/false/on/off/1/0, any case) and real booleans. */
export function parseBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (['yes', 'y', 'true', 't', 'on', '1'].includes(v)) return true;
  if (['no', 'n', 'false', 'f', 'off', '0'].includes(v)) return false;
  return undefined;
}

/** `~` and `~/x` → home directory; a relative path → relative to `baseDir`. */
export function resolveUserPath(path: string, baseDir: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** First of several alias names that is set (Ansible's older ansible_ssh_* names come second). */
function first(vars: Vars, names: string[]): [string, unknown] | undefined {
  for (const n of names) if (vars[n] !== undefined && vars[n] !== null) return [n, vars[n]];
  return undefined;
}

/**
 * Reads the connection vars of host `name` from its merged vars. Bad values throw an
 * InventoryError naming the host, the var and the value.
 */
export function connectionFromVars(
  name: string,
  vars: Vars,
  baseDir: string,
  originOf: (key: string) => Origin | undefined = () => undefined,
): { connection: InventoryConnection; knownHostsFile?: string } {
  // The error points at the file:line that set the var (which may be a group's, or group_vars/).
  const bad = (key: string, value: unknown, expected: string): never => {
    const at = originOf(key);
    const where = at?.file ? '' : at?.label ? ` (set by ${at.label})` : '';
    throw new InventoryError(
      `host ${name}: ${key} must be ${expected}, got ${jsonText(value)}${where}`,
      at?.file,
      at?.line,
    );
  };
  const str = (key: string, value: unknown): string => {
    // A value marked secret still connects: only its printing is masked.
    if (isSecret(value)) value = value.reveal();
    if (typeof value === 'string' && value.trim()) return value.trim();
    if (typeof value === 'number') return String(value);
    return bad(key, value, 'a non-empty string');
  };
  const connection: InventoryConnection = {};

  const conn = first(vars, ['ansible_connection']);
  if (conn) {
    const v = conn[1];
    if (v === 'local') connection.connection = 'local';
    else if (v === 'ssh' || v === 'smart' || v === 'paramiko') connection.connection = 'ssh';
    else bad(conn[0], v, "'ssh' or 'local' (drover has no other connection types)");
  }
  // What ssh refuses on its command line is refused here, naming the var: such a value would reach a
  // ProxyCommand's shell (CVE-2023-51385); ssh_config resolution checks again, stricter, where it is substituted.
  const sshSafe = ([key, raw]: [string, unknown], check: (s: string) => string | undefined, kind: string): string => {
    const value = str(key, raw);
    const problem = check(value);
    if (!problem) return value;
    const at = originOf(key);
    const where = at?.file ? '' : at?.label ? ` (set by ${at.label})` : '';
    throw new InventoryError(
      `host ${name}: ${key} ${isSecret(raw) ? '(secret)' : shown(value)} is not a ${kind} ssh accepts: ${problem} (OpenSSH refuses it too)${where}`,
      at?.file,
      at?.line,
    );
  };
  const host = first(vars, ['ansible_host', 'ansible_ssh_host']);
  if (host) connection.address = sshSafe(host, opensshHostProblem, 'host name');
  // An inventory host named localhost that nothing points elsewhere runs locally, as in Ansible.
  if (!conn && !host && name === 'localhost') connection.connection = 'local';

  const port = first(vars, ['ansible_port', 'ansible_ssh_port']);
  if (port) {
    const n = typeof port[1] === 'string' && /^\s*\d+\s*$/.test(port[1]) ? Number(port[1]) : port[1];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535)
      bad(port[0], port[1], 'a port number (1-65535)');
    connection.port = n as number;
  }
  const user = first(vars, ['ansible_user', 'ansible_ssh_user']);
  if (user) connection.user = sshSafe(user, opensshUserProblem, 'user name');

  const key = first(vars, ['ansible_ssh_private_key_file', 'ansible_private_key_file']);
  if (key) connection.keyFile = resolveUserPath(str(key[0], key[1]), baseDir);

  const become = first(vars, ['ansible_become']);
  if (become) {
    const b = parseBool(become[1]);
    if (b === undefined) bad(become[0], become[1], 'a boolean (true/false/yes/no)');
    connection.become = b;
  }
  const method = first(vars, ['ansible_become_method']);
  if (method && method[1] !== 'sudo') bad(method[0], method[1], "'sudo' (the only become method drover has)");

  const pw = first(vars, ['ansible_become_password_env']);
  if (pw) {
    const env = str(pw[0], pw[1]);
    if (env === 'prompt') connection.becomePassword = { prompt: true };
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) connection.becomePassword = { env };
    else bad(pw[0], pw[1], "the name of an environment variable or 'prompt'");
  }

  // ssh settings, highest first as ssh takes them (first obtained wins): the typed ssh_proxy_jump, then
  // Ansible's command-line vars in the order Ansible passes them (ssh_args, common, then extra).
  const sshOptions: NonNullable<InventoryConnection['sshOptions']> = [];
  const where = (key: string, secret = false) => {
    const at = originOf(key);
    const label = at?.file
      ? `${at.file}:${at.line ?? 0} ${key}`
      : `${key} of host ${name}${at?.label ? ` (set by ${at.label})` : ''}`;
    // ssh_config errors mask the values of settings so labelled (ssh-config.ts).
    return secret ? `${label} ${SECRET_SOURCE}` : label;
  };
  const pj = first(vars, ['ssh_proxy_jump']);
  if (pj) {
    const v = str(pj[0], pj[1]);
    // As one ssh_config argument: a space or line break would silently cut the list short.
    if (/[\s\0]/.test(v))
      bad(pj[0], pj[1], 'a ProxyJump list ([user@]host[:port],…) without spaces, line breaks or NUL');
    sshOptions.push({ keyword: 'ProxyJump', value: v, at: where(pj[0]) });
  }
  const cf = first(vars, ['ssh_config_file']);
  if (cf) connection.sshConfigFile = resolveUserPath(str(cf[0], cf[1]), baseDir);
  for (const key of ['ansible_ssh_args', 'ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const v = first(vars, [key]);
    if (!v || (typeof v[1] === 'string' && !v[1].trim())) continue;
    const secret = isSecret(v[1]);
    let args: ReturnType<typeof parseSshArgs>;
    try {
      args = parseSshArgs(str(v[0], v[1]), { secret });
    } catch (e) {
      const at = originOf(key);
      const where = at?.file ? '' : at?.label ? ` (set by ${at.label})` : '';
      throw new InventoryError(
        `host ${name}: ${key}${secret ? ' (secret: its value is not shown)' : ''}: ${(e as Error).message}${where}`,
        at?.file,
        at?.line,
      );
    }
    for (const o of args.options) sshOptions.push({ ...o, at: where(key, secret) });
    // `ssh -F` resolves a relative file from where ssh runs: here, where drover runs.
    if (args.configFile && !connection.sshConfigFile)
      connection.sshConfigFile = resolveUserPath(args.configFile, process.cwd());
  }
  if (sshOptions.length) connection.sshOptions = sshOptions;

  const kh = first(vars, ['known_hosts_file']);
  return { connection, knownHostsFile: kh ? resolveUserPath(str(kh[0], kh[1]), baseDir) : undefined };
}
