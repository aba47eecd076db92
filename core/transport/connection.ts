// Turns an inventory host's connection vars (+ ssh_config) into a ConnectionSpec — jump hosts and
// ProxyCommand included (spec.via) — and opens its Transport.
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { UnreachableError } from '../errors.ts';
import { openLocalTransport } from './local-transport.ts';
import { Secret } from '../secret.ts';
import { readSshConfigFor, SshConfigError, type SshConfigSources } from '../ssh/ssh-config.ts';
import { type ConfigLine, parseConfigText } from '../ssh/ssh-config-syntax.ts';
import { openSshTransport } from '../ssh/ssh-transport.ts';
import type { InventoryConnection } from '../inventory/model.ts';
import type { ConnectionSpec, HostKeyPolicy, Transport } from './transport.ts';

export interface ResolveOptions {
  /** ssh_config file to read instead of ~/.ssh/config. */
  sshConfigFile?: string;
  /** Remote user when neither the inventory nor ssh_config names one (a CLI `--user`). */
  user?: string;
}

export interface OpenOptions {
  /** The sudo password, when spec.becomePassword is `prompt` (the CLI asked) or to override the env var. */
  becomePassword?: Secret;
  /** Inventory name, for errors (default: the address). */
  name?: string;
  /** Give up opening after this long (a caller's budget, e.g. reboot's wait): cuts the connect and shell-start timeouts. */
  timeoutMs?: number;
}

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1']);
type SshConfigPreset = NonNullable<SshConfigSources['preset']>;
const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

function expandHome(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return isAbsolute(p) ? p : resolve(p);
}

/**
 * Precedence, highest first: inventory vars (ansible_host/port/user/key, `-o`/`-J` in
 * ansible_ssh_common_args), then `opts.user` (a CLI --user) for the user, then ssh_config (looked up under
 * the inventory address, else the name; the inventory's ssh config file, else `opts.sshConfigFile`, else
 * ~/.ssh/config + /etc/ssh/ssh_config), then defaults (port 22, the local user, keys
 * ~/.ssh/id_{ed25519,ecdsa,rsa} when nothing names one, timeout 10 s). The inventory user and port are
 * given to ssh_config as `ssh -l`/`-p` would (`Match user`, `%r`, `%p` see them). ProxyJump hosts are
 * resolved here too, each through ssh_config as a host of its own (spec.via).
 */
export function resolveConnection(name: string, inv: InventoryConnection, opts: ResolveOptions = {}): ConnectionSpec {
  const base = {
    become: inv.become ?? false,
    becomePassword: inv.becomePassword,
    agent: Boolean(process.env.SSH_AUTH_SOCK),
  };
  const implicitLocal =
    LOCAL_NAMES.has(name) && inv.address === undefined && inv.port === undefined && inv.connection !== 'ssh';
  if (inv.connection === 'local' || implicitLocal) {
    return {
      ...base,
      kind: 'local',
      address: 'localhost',
      port: 0,
      user: userInfo().username,
      keyFiles: [],
      agent: false,
      connectTimeout: 10,
    };
  }
  const lookup = inv.address ?? name;
  const configFile = inv.sshConfigFile ?? opts.sshConfigFile;
  const options = (inv.sshOptions ?? []).map((o) => optionLine(name, o));
  const spec = sshSpec(
    name,
    lookup,
    configFile,
    { user: inv.user ?? opts.user, port: inv.port, options },
    0,
    inv.keyFile,
  );
  return { ...spec, ...base, agent: spec.agent, address: inv.address ?? spec.address };
}

/** Jump chains deeper than this are a loop in ssh_config (OpenSSH would recurse until it runs out of something). */
const MAX_JUMP_DEPTH = 16;

/** One `-o Keyword=Value` from the inventory as the config line OpenSSH's command line makes of it. */
function optionLine(name: string, o: { keyword: string; value: string; at: string }): ConfigLine {
  const [line] = parseConfigText(`${o.keyword}=${o.value}`, o.at);
  if (!line) throw new SshConfigError(name, `${o.at}: empty ssh option ${o.keyword}`);
  return { ...line, file: o.at, line: 0 };
}

/** The spec for `lookup` as `ssh [-l user] [-p port] [-o …] [-F file] lookup` would connect, jumps included. */
function sshSpec(
  name: string,
  lookup: string,
  configFile: string | undefined,
  preset: SshConfigPreset,
  depth: number,
  invKey?: string,
): ConnectionSpec {
  const cfg = readSshConfigFor(lookup, configFile, preset);
  const keyFiles = [...(invKey ? [expandHome(invKey)] : []), ...cfg.identityFiles];
  if (!keyFiles.length) {
    for (const id of DEFAULT_IDENTITIES) {
      const f = join(homedir(), '.ssh', id);
      if (existsSync(f)) keyFiles.push(f);
    }
  }
  const spec: ConnectionSpec = {
    kind: 'ssh',
    address: cfg.hostName ?? lookup,
    port: preset.port ?? cfg.port ?? 22,
    user: preset.user ?? cfg.user ?? userInfo().username,
    keyFiles: [...new Set(keyFiles)],
    agent: Boolean(process.env.SSH_AUTH_SOCK),
    become: false,
    connectTimeout: cfg.connectTimeout ?? 10,
    ...(cfg.hostKeyAlias ? { hostKeyAlias: cfg.hostKeyAlias } : {}),
    ...(cfg.knownHostsFiles ? { knownHostsFiles: cfg.knownHostsFiles } : {}),
    ...(cfg.acceptNewHostKeys ? { acceptNewHostKeys: true } : {}),
  };
  if (cfg.proxyCommand) spec.via = { command: cfg.proxyCommand.command, at: cfg.proxyCommand.at };
  if (cfg.proxyJump) {
    if (depth >= MAX_JUMP_DEPTH)
      throw new SshConfigError(
        name,
        `${cfg.proxyJump.at}: ProxyJump chain deeper than ${MAX_JUMP_DEPTH} jump hosts (a loop in ssh_config?)`,
      );
    const hops = parseJumpList(name, cfg.proxyJump.value, cfg.proxyJump.at);
    // As ssh.c turns `-J a,b,c` into `ssh -J a,b -W %h:%p c`: the last hop reaches this host, the hops
    // before it are its own jumps (overriding its ssh_config ProxyJump); only the first uses its own config's.
    const last = hops[hops.length - 1];
    const rest = hops
      .slice(0, -1)
      .map((h) => (h.user ? `${h.user}@` : '') + bracketed(h.host) + (h.port ? `:${h.port}` : ''))
      .join(',');
    const jumpOptions = rest
      ? [{ ...parseConfigText(`ProxyJump=${rest}`, cfg.proxyJump.at)[0], line: 0, file: cfg.proxyJump.at }]
      : [];
    const jump = sshSpec(
      name,
      last.host,
      configFile,
      { user: last.user, port: last.port, options: jumpOptions },
      depth + 1,
    );
    spec.via = { jump, at: cfg.proxyJump.at };
  }
  return spec;
}

function bracketed(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** ssh -J syntax: comma list of `[user@]host[:port]` or `ssh://[user@]host[:port]` (IPv6 in brackets). */
export function parseJumpList(
  name: string,
  value: string,
  at: string,
): { user?: string; host: string; port?: number }[] {
  return value.split(',').map((raw) => {
    let s = raw.trim();
    const bad = (why: string) => new SshConfigError(name, `${at}: ProxyJump ${JSON.stringify(raw)}: ${why}`);
    if (s.startsWith('ssh://')) s = s.slice(6).replace(/\/$/, '');
    let user: string | undefined;
    const atSign = s.lastIndexOf('@');
    if (atSign >= 0) {
      user = s.slice(0, atSign);
      s = s.slice(atSign + 1);
      if (!user) throw bad('empty user');
    }
    let host = s;
    let portText: string | undefined;
    const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
    if (v6) [host, portText] = [v6[1], v6[2]];
    else if (s.split(':').length === 2) [host, portText] = s.split(':');
    if (!host || /[\s/]/.test(host)) throw bad('not a host name');
    let port: number | undefined;
    if (portText !== undefined) {
      port = Number(portText);
      if (!/^\d+$/.test(portText) || port < 1 || port > 65535)
        throw bad(`port ${JSON.stringify(portText)} is not a port number`);
    }
    return { ...(user ? { user } : {}), host, ...(port ? { port } : {}) };
  });
}

/**
 * The host key policy for an inventory host: its known_hosts_file var wins over ssh_config's
 * UserKnownHostsFile for the host itself (jump hosts keep their own), else ~/.ssh/known_hosts.
 * Returns the spec to open (without the overridden files) and the policy.
 */
export function hostKeyPolicyFor(
  spec: ConnectionSpec,
  inventoryFile: string | undefined,
  acceptNew: boolean,
): { spec: ConnectionSpec; policy: HostKeyPolicy } {
  const files = inventoryFile ? [inventoryFile] : (spec.knownHostsFiles ?? [join(homedir(), '.ssh', 'known_hosts')]);
  const { knownHostsFiles: _dropped, ...rest } = spec;
  return { spec: rest, policy: { knownHostsFiles: files, acceptNew: acceptNew || Boolean(spec.acceptNewHostKeys) } };
}

/** Where a host's keys are recorded and under which name: the first known_hosts file, HostKeyAlias (no port) or address:port. */
export function hostKeyRecord(
  spec: ConnectionSpec,
  inventoryFile: string | undefined,
): { file: string | undefined; host: string; port: number } {
  const { policy } = hostKeyPolicyFor(spec, inventoryFile, false);
  return {
    file: policy.knownHostsFiles[0],
    host: spec.hostKeyAlias ?? spec.address,
    port: spec.hostKeyAlias ? 22 : spec.port,
  };
}

/** The sudo password for become: the env var the inventory names, or the one the CLI prompted for. */
function becomePassword(spec: ConnectionSpec, name: string, given?: Secret): Secret | undefined {
  if (!spec.become) return undefined;
  if (given) return given;
  const bp = spec.becomePassword;
  if (!bp) return undefined;
  if ('env' in bp) {
    const v = process.env[bp.env];
    if (v === undefined) {
      throw new UnreachableError(name, `become password: environment variable ${bp.env} is not set`);
    }
    return new Secret(v);
  }
  throw new UnreachableError(
    name,
    'become password: "prompt" was asked but no password was given (the CLI prompts before connecting)',
  );
}

/** Opens the host's one long-lived shell; any failure is an UnreachableError (HostKeyError for key problems). */
export async function openTransport(
  spec: ConnectionSpec,
  policy: HostKeyPolicy,
  opts: OpenOptions = {},
): Promise<Transport> {
  const name = opts.name ?? spec.address;
  const password = becomePassword(spec, name, opts.becomePassword);
  if (spec.kind === 'local') {
    const start = Math.max(30, spec.connectTimeout);
    return openLocalTransport({
      name,
      become: spec.become,
      becomePassword: password,
      startTimeout: opts.timeoutMs ? Math.min(start, opts.timeoutMs / 1000) : start,
    });
  }
  return openSshTransport(spec, policy, { name, becomePassword: password, timeoutMs: opts.timeoutMs });
}
