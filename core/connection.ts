// Turns an inventory host's connection vars (+ ~/.ssh/config) into a ConnectionSpec, and opens its Transport.
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { UnreachableError } from './errors.ts';
import { openLocalTransport } from './local-transport.ts';
import { Secret } from './secret.ts';
import { readSshConfigFor } from './ssh/ssh-config.ts';
import { openSshTransport } from './ssh/ssh-transport.ts';
import type { ConnectionSpec, HostKeyPolicy, InventoryConnection, Transport } from './transport.ts';

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
}

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1']);
const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

function expandHome(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return isAbsolute(p) ? p : resolve(p);
}

/**
 * Precedence, highest first: inventory vars (ansible_host/port/user/key), then `opts.user` (a CLI --user)
 * for the user, then ssh_config (looked up under the inventory address, else the name), then defaults
 * (port 22, the local user, keys ~/.ssh/id_{ed25519,ecdsa,rsa} when nothing names one, timeout 10 s).
 */
export function resolveConnection(name: string, inv: InventoryConnection, opts: ResolveOptions = {}): ConnectionSpec {
  const base = {
    become: inv.become ?? false,
    becomePassword: inv.becomePassword,
    agent: Boolean(process.env.SSH_AUTH_SOCK),
  };
  const implicitLocal = LOCAL_NAMES.has(name) && inv.address === undefined && inv.port === undefined && inv.connection !== 'ssh';
  if (inv.connection === 'local' || implicitLocal) {
    return { ...base, kind: 'local', address: 'localhost', port: 0, user: userInfo().username, keyFiles: [], agent: false, connectTimeout: 10 };
  }
  const lookup = inv.address ?? name;
  const cfg = readSshConfigFor(lookup, opts.sshConfigFile);
  const keyFiles = [...(inv.keyFile ? [expandHome(inv.keyFile)] : []), ...cfg.identityFiles];
  if (!keyFiles.length) {
    for (const id of DEFAULT_IDENTITIES) {
      const f = join(homedir(), '.ssh', id);
      if (existsSync(f)) keyFiles.push(f);
    }
  }
  return {
    ...base,
    kind: 'ssh',
    address: inv.address ?? cfg.hostName ?? name,
    port: inv.port ?? cfg.port ?? 22,
    user: inv.user ?? opts.user ?? cfg.user ?? userInfo().username,
    keyFiles: [...new Set(keyFiles)],
    connectTimeout: cfg.connectTimeout ?? 10,
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
  throw new UnreachableError(name, 'become password: "prompt" was asked but no password was given (the CLI prompts before connecting)');
}

/** Opens the host's one long-lived shell; any failure is an UnreachableError (HostKeyError for key problems). */
export async function openTransport(spec: ConnectionSpec, policy: HostKeyPolicy, opts: OpenOptions = {}): Promise<Transport> {
  const name = opts.name ?? spec.address;
  const password = becomePassword(spec, name, opts.becomePassword);
  if (spec.kind === 'local') {
    return openLocalTransport({ name, become: spec.become, becomePassword: password, startTimeout: Math.max(30, spec.connectTimeout) });
  }
  return openSshTransport(spec, policy, { name, becomePassword: password });
}
