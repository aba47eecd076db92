// Reads the OpenSSH client config (~/.ssh/config) for one host: HostName, User, Port, IdentityFile, ConnectTimeout.
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';

export interface SshConfigHost {
  hostName?: string;
  user?: string;
  port?: number;
  /** In file order, `~` and %d/%u/%h/%r expanded (%r only when User is set in the file). */
  identityFiles: string[];
  connectTimeout?: number;
}

export interface SshConfigEnv {
  home: string;
  localUser: string;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function expandTokens(s: string, env: SshConfigEnv, host: string, user?: string): string {
  return s.replace(/%([%dhur])/g, (m, c: string) =>
    c === '%' ? '%' : c === 'd' ? env.home : c === 'h' ? host : c === 'u' ? env.localUser : (user ?? m),
  );
}

function expandPath(s: string, env: SshConfigEnv, host: string, user?: string): string {
  const t = expandTokens(s, env, host, user);
  return t === '~' ? env.home : t.startsWith('~/') ? join(env.home, t.slice(2)) : t;
}

/** What a config text says for `host` (the name given to ssh). `Match exec` is never run. */
export function sshConfigFor(text: string, host: string, env: SshConfigEnv): SshConfigHost {
  const c = SSHConfig.parse(text).compute(host, { matchExec: false, ignoreCase: true });
  const user = first(c.user);
  const hostName = first(c.hostname);
  const portText = first(c.port);
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new Error(`ssh config: Port ${JSON.stringify(portText)} for ${host} is not a port number`);
  }
  const ids = c.identityfile === undefined ? [] : Array.isArray(c.identityfile) ? c.identityfile : [c.identityfile];
  const timeout = first(c.connecttimeout);
  return {
    hostName: hostName === undefined ? undefined : expandTokens(hostName, env, host, user),
    user,
    port,
    identityFiles: ids.filter((f) => f.toLowerCase() !== 'none').map((f) => expandPath(f, env, host, user)),
    connectTimeout: timeout === undefined || !/^\d+$/.test(timeout) ? undefined : Number(timeout),
  };
}

export function defaultSshConfigFile(): string {
  return join(homedir(), '.ssh', 'config');
}

/** Reads `file` (default ~/.ssh/config; a missing default file is empty) and resolves `host`. */
export function readSshConfigFor(host: string, file?: string): SshConfigHost {
  const env = { home: homedir(), localUser: userInfo().username };
  let text: string;
  try {
    text = readFileSync(file ?? defaultSshConfigFile(), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && file === undefined) return { identityFiles: [] };
    throw new Error(`cannot read ssh config ${file}: ${(e as Error).message}`);
  }
  try {
    return sshConfigFor(text, host, env);
  } catch (e) {
    throw new Error(`${file ?? defaultSshConfigFile()}: ${(e as Error).message}`);
  }
}
