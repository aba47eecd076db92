// The OpenSSH client config for one host, as drover uses it: HostName, User, Port, IdentityFile,
// ConnectTimeout, ProxyJump, ProxyCommand, HostKeyAlias, UserKnownHostsFile, StrictHostKeyChecking
// accept-new (ssh-config-resolve.ts resolves as OpenSSH does; core/connection.ts builds jump chains).
// A directive that would change where, as whom or how drover connects and that drover does not
// implement (ssh-directives.ts) is an error naming file:line, raised before anything connects.
import { statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { UnreachableError } from '../errors.ts';
import { MASK } from '../secret.ts';
import {
  connectionTokens,
  expandPath,
  expandTokens,
  readIfExists,
  resolveSshConfig,
  SECRET_SOURCE,
  type Setting,
  type SshConfigEnv,
  type SshConfigResolution,
  type SshConfigSources,
} from './ssh-config-resolve.ts';
import {
  checkJumpSpec,
  checkTokenValues,
  opensshHostProblem,
  opensshUserProblem,
  shellWord,
  shown,
  type TokenSource,
} from './host-token-check.ts';
import { SshConfigProblem as ConfigProblem } from './ssh-config-syntax.ts';
import { refuses } from './ssh-directives.ts';

export { connectionTokens, expandPath, resolveSshConfig } from './ssh-config-resolve.ts';
export type { Setting, SshConfigEnv, SshConfigResolution, SshConfigSources } from './ssh-config-resolve.ts';

export interface SshConfigHost {
  hostName?: string;
  user?: string;
  port?: number;
  /** In file order, `~` and tokens (%d %h %r %u %p %n %C …) expanded; `none` dropped. */
  identityFiles: string[];
  connectTimeout?: number;
  /** ProxyJump (not `none`): the comma list as written, and where it was set. */
  proxyJump?: { value: string; at: string };
  /** ProxyCommand (not `none`), `%h %p %r %n %%` expanded (each value one shell word), and where it was set. */
  proxyCommand?: { command: string; at: string };
  /** HostKeyAlias: the name host keys are recorded and looked up under. */
  hostKeyAlias?: string;
  /** UserKnownHostsFile, in order, `~` and tokens expanded. */
  knownHostsFiles?: string[];
  /** StrictHostKeyChecking accept-new (`no`/`off` are refused; `yes`/`ask` verify strictly). */
  acceptNewHostKeys?: boolean;
}

/** An ssh_config problem for one host: unreachable as configured, reported before connecting. */
export class SshConfigError extends UnreachableError {
  override name = 'SshConfigError';
}

/** Every obtained setting drover refuses (ssh-directives.ts), in file order. */
export function refusals(res: SshConfigResolution): Setting[] {
  const valueOf = (k: string) => res.settings.get(k)?.[0]?.args;
  const out: Setting[] = [];
  for (const list of res.settings.values())
    for (const s of list) if (refuses(s.directive, s.args, valueOf)) out.push(s);
  return out.sort((a, b) => (a.file === b.file ? a.line - b.line : 0));
}

/** file:line of a setting; a setting from the inventory (line 0) is named by its `file` label alone. */
export function settingAt(s: { file: string; line: number }): string {
  return s.line > 0 ? `${s.file}:${s.line}` : s.file;
}

/** ssh_config time format (misc.c convtime): `30`, `1m30s`, … → seconds. */
function convtime(s: string): number | undefined {
  if (!/^(\d+[sSmMhHdDwW]?)+$/.test(s)) return undefined;
  const mult: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const m of s.matchAll(/(\d+)([smhdw]?)/gi)) total += Number(m[1]) * (m[2] ? mult[m[2].toLowerCase()] : 1);
  return total;
}

const GIVEN = "the name looked up: the inventory host's ansible_host, or its name";

/**
 * What ssh refuses on its command line, refused here too: the name looked up, and a user given with it
 * (ansible_user, --user, `-l`/`-o User=` in ansible_ssh_*_args: line 0). A User from a config file is
 * trusted by OpenSSH; drover checks it (strictly) where it is substituted.
 */
function checkGiven(res: SshConfigResolution): void {
  const hp = opensshHostProblem(res.originalHost);
  if (hp)
    throw new ConfigProblem(
      `host name ${shown(res.originalHost)} (${GIVEN}): ${hp}; OpenSSH refuses it too ("hostname contains invalid characters")`,
    );
  const u = res.settings.get('user')?.[0];
  const up = u && u.line === 0 ? opensshUserProblem(u.args[0]) : undefined;
  if (u && up) {
    throw new ConfigProblem(
      `${userFrom(u)}: user ${shown(u.args[0])} for host ${shown(res.originalHost)}: ${up}; OpenSSH refuses it too ("remote username contains invalid characters")`,
    );
  }
}

/** Where the user came from: a config line, an inventory var (its file:line label), or ansible_user/--user. */
function userFrom(u: Setting): string {
  return u.line > 0 ? `User at ${settingAt(u)}` : u.file === '(inventory)' ? 'ansible_user (or --user)' : u.file;
}

/** The host and user names tokens carry into ProxyCommand, ProxyJump and paths, and where each came from. */
function tokenSources(res: SshConfigResolution): Record<string, TokenSource> {
  const hn = res.settings.get('hostname')?.[0];
  const u = res.settings.get('user')?.[0];
  const alias = res.settings.get('hostkeyalias')?.[0];
  return {
    h: {
      value: res.host,
      kind: 'host',
      from: hn
        ? `HostName ${shown(hn.args[0])} at ${settingAt(hn)}, the name looked up being ${shown(res.originalHost)}`
        : GIVEN,
    },
    n: { value: res.originalHost, kind: 'host', from: GIVEN },
    // The local user (no User anywhere) is this machine's own name, not data from an inventory.
    ...(u ? { r: { value: u.args[0], kind: 'user' as const, from: userFrom(u) } } : {}),
    ...(alias ? {} : { k: { value: res.originalHost, kind: 'host' as const, from: GIVEN } }),
  };
}

/** What drover uses from a resolution; throws ConfigProblem for refused directives and bad values. */
function hostSettings(res: SshConfigResolution, env: SshConfigEnv): SshConfigHost {
  checkGiven(res);
  const refused = refusals(res);
  if (refused.length) {
    throw new ConfigProblem(
      `ssh config for ${res.originalHost} uses what drover does not implement (nothing was connected):\n` +
        refused
          .map((s) => `  ${settingAt(s)}: ${s.directive.name} ${s.args.join(' ')} — ${s.directive.reason}`)
          .join('\n'),
    );
  }
  const one = (k: string) => res.settings.get(k)?.[0];
  const port = one('port');
  const portNum = port ? Number(port.args[0]) : undefined;
  if (port && !(/^\d+$/.test(port.args[0]) && portNum! > 0 && portNum! < 65536)) {
    throw new ConfigProblem(
      `${port.file}:${port.line}: Port ${JSON.stringify(port.args[0])} for ${res.originalHost} is not a port number`,
    );
  }
  const timeout = one('connecttimeout');
  const seconds = timeout && timeout.args[0].toLowerCase() !== 'none' ? convtime(timeout.args[0]) : undefined;
  if (timeout && timeout.args[0].toLowerCase() !== 'none' && seconds === undefined) {
    throw new ConfigProblem(
      `${timeout.file}:${timeout.line}: ConnectTimeout ${JSON.stringify(timeout.args[0])} is not a time`,
    );
  }
  const tokens = connectionTokens(res, env);
  const sources = tokenSources(res);
  // Every host/user name a token puts into a command, a jump spec or a path is checked before anything is built from it.
  const checked = (template: string, what: string) => (
    checkTokenValues(template, what, res.originalHost, sources), template
  );
  const at = settingAt;
  const pj = one('proxyjump');
  const pc = one('proxycommand');
  const khf = one('userknownhostsfile');
  const strict = one('stricthostkeychecking')?.args[0].toLowerCase();
  const ids = (res.settings.get('identityfile') ?? []).filter((s) => s.args[0].toLowerCase() !== 'none');
  return {
    hostName: one('hostname') ? res.host : undefined,
    user: one('user')?.args[0],
    port: portNum,
    identityFiles: ids.map((s) =>
      expandPath(checked(s.args[0], `${at(s)}: IdentityFile`), tokens, env, `${s.file}:${s.line}: IdentityFile`),
    ),
    connectTimeout: seconds,
    // ssh.c turns ProxyJump into a ProxyCommand (`ssh -J … -W [%h]:%p HOST`), so its tokens expand too.
    ...(pj && pj.args[0].toLowerCase() !== 'none'
      ? { proxyJump: { value: jumpSpec(pj, res, tokens, checked), at: at(pj) } }
      : {}),
    // A value that passed the check is one plain word (shellWord leaves it as ssh -G would show it; `[v6]` is quoted).
    ...(pc && pc.args[0].toLowerCase() !== 'none'
      ? {
          proxyCommand: {
            command: expandTokens(
              checked(pc.args[0], `${at(pc)}: ProxyCommand`),
              proxyTokens(res, tokens),
              `${at(pc)}: ProxyCommand`,
              shellWord,
            ),
            at: at(pc),
          },
        }
      : {}),
    ...(one('hostkeyalias') ? { hostKeyAlias: one('hostkeyalias')!.args[0] } : {}),
    ...(khf
      ? {
          knownHostsFiles: khf.args
            .filter((f) => f.toLowerCase() !== 'none')
            .map((f) =>
              expandPath(checked(f, `${at(khf)}: UserKnownHostsFile`), tokens, env, `${at(khf)}: UserKnownHostsFile`),
            ),
        }
      : {}),
    ...(strict === 'accept-new' ? { acceptNewHostKeys: true } : {}),
  };
}

function proxyTokens(res: SshConfigResolution, tokens: Record<string, string>): Record<string, string> {
  return { h: res.host, p: tokens.p, r: tokens.r, n: res.originalHost };
}

/** The ProxyJump value with tokens expanded, each hop's user and host checked (ssh.c makes a `ssh -J … -W [%h]:%p` command of it). */
function jumpSpec(
  pj: Setting,
  res: SshConfigResolution,
  tokens: Record<string, string>,
  checked: (t: string, what: string) => string,
): string {
  const what = `${settingAt(pj)}: ProxyJump`;
  const value = expandTokens(checked(pj.args[0], what), proxyTokens(res, tokens), what);
  checkJumpSpec(value, what, res.originalHost);
  return value;
}

const TEXT_FILE = '(ssh config)';

/** What a config text says for `host` (the name given to ssh). Includes are read from disk. `Match exec` is never run. */
export function sshConfigFor(text: string, host: string, env: SshConfigEnv, file = TEXT_FILE): SshConfigHost {
  const read = (f: string) => (f === file ? text : readIfExists(f));
  return hostSettings(resolveSshConfig(host, { userFile: file, env, read }), env);
}

export function defaultSshConfigFile(): string {
  return join(homedir(), '.ssh', 'config');
}

export const SYSTEM_SSH_CONFIG = '/etc/ssh/ssh_config';

/**
 * Resolves `host` as `ssh HOST` would: `file` alone when given (like `ssh -F FILE`, a missing one is an
 * error), else ~/.ssh/config then /etc/ssh/ssh_config (missing ones are empty). A config problem or a
 * refused directive is an SshConfigError (unreachable) naming file:line, raised before any connection.
 */
export function readSshConfigFor(host: string, file?: string, preset?: SshConfigSources['preset']): SshConfigHost {
  const env = { home: homedir(), localUser: userInfo().username };
  try {
    if (file !== undefined) statSync(file);
  } catch (e) {
    throw new SshConfigError(host, `cannot read ssh config ${file}: ${(e as Error).message}`);
  }
  const src: SshConfigSources =
    file !== undefined
      ? { userFile: file, env, preset }
      : { userFile: defaultSshConfigFile(), checkUserFilePerms: true, systemFile: SYSTEM_SSH_CONFIG, env, preset };
  try {
    return hostSettings(resolveSshConfig(host, src), env);
  } catch (e) {
    if (e instanceof ConfigProblem) throw new SshConfigError(host, maskSecretOptions(e.message, preset));
    throw e;
  }
}

/**
 * The message with the values of secret inventory options (SECRET_SOURCE) masked, however it quoted
 * them. Words under 4 characters (`yes`, a port) are left: masking them would garble the whole message.
 */
function maskSecretOptions(message: string, preset: SshConfigSources['preset']): string {
  let m = message;
  for (const l of preset?.options ?? []) {
    if (!l.file.endsWith(SECRET_SOURCE)) continue;
    for (const v of [l.rest, ...l.args].sort((a, b) => b.length - a.length)) {
      if (v.length >= 4)
        for (const form of [v, JSON.stringify(v).slice(1, -1), shown(v).slice(1, -1)]) m = m.split(form).join(MASK);
    }
  }
  return m;
}
