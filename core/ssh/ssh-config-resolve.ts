// Resolves the OpenSSH client config for one host as OpenSSH 9.2 does (readconf.c, ssh.c): user then
// system file, Host/Match/Include, first obtained value wins, a `Match final` re-parse. Returns every
// setting obtained with its file:line; what drover uses or refuses is ssh-config.ts.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname as localHostname } from 'node:os';
import { join } from 'node:path';
import {
  type ConfigLine,
  globFiles,
  matchHostname,
  matchPattern,
  matchPatternList,
  parseConfigText,
  SshConfigProblem as ConfigProblem,
} from './ssh-config-syntax.ts';
import { type Directive, directive } from './ssh-directives.ts';

export interface SshConfigEnv {
  /** $HOME: `~` and `%d`, relative user Includes from ~/.ssh. */
  home: string;
  localUser: string;
  uid?: number;
  /** Local host name for %l/%L/%C (default os.hostname()). */
  localHost?: string;
}

/**
 * Ends the `file` label of a preset option whose inventory value is secret (a vaulted
 * ansible_ssh_common_args): errors about such settings never show their values (ssh-config.ts).
 */
export const SECRET_SOURCE = '(secret)';

/** One setting as obtained: the directive, its arguments and where it was read. */
export interface Setting {
  directive: Directive;
  /** Arguments as split by OpenSSH; for command values (ProxyCommand, …) the one raw rest of the line. */
  args: string[];
  file: string;
  line: number;
}

export interface SshConfigSources {
  /** The user config (`ssh -F FILE`, or ~/.ssh/config): relative Includes are from ~/.ssh. */
  userFile?: string;
  /** Check the user file's owner and mode as OpenSSH does for ~/.ssh/config (not for -F); Includes are always checked. */
  checkUserFilePerms?: boolean;
  /** The system config (/etc/ssh/ssh_config): relative Includes are from /etc/ssh. Not read with -F. */
  systemFile?: string;
  /** Where relative Includes of the system config are (default /etc/ssh). */
  systemDir?: string;
  env: SshConfigEnv;
  /**
   * Set before any file is read, as `ssh -l USER -p PORT` does (they win, and `Match user` and `%r` see
   * them): the inventory's ansible_user / ansible_port.
   */
  preset?: { user?: string; port?: number; options?: readonly ConfigLine[] };
  /** Reads a config file; undefined when it does not exist (default: the file system). */
  read?: (file: string) => string | undefined;
}

export interface SshConfigResolution {
  /** The name given (looked up). */
  originalHost: string;
  /** The host connected to, as ssh -G prints it: HostName with %h expanded, or the name; lowercased unless an address. */
  host: string;
  /** Lowercase directive name → what was obtained (one entry, or several for IdentityFile-like lists). */
  settings: Map<string, Setting[]>;
  /** Whether a `Match final` pass ran. */
  finalPass: boolean;
}

const MAX_INCLUDE_DEPTH = 16; // readconf.c READCONF_MAX_DEPTH

/**
 * Directives of one name-like argument: readconf.c refuses more ("extra arguments at end of line").
 * Taking the first would silently connect elsewhere, or as someone else (`-o "HostName=a b"`).
 */
const ONE_ARGUMENT = new Set(['hostname', 'user', 'port', 'hostkeyalias', 'connecttimeout']);

interface Pass {
  /** What `Host` lines match: the name given, then (final pass) the resolved host name. */
  hostForHost: string;
  final: boolean;
  wantFinal: { v: boolean };
}

class Resolver {
  readonly settings = new Map<string, Setting[]>();
  constructor(
    readonly original: string,
    readonly src: SshConfigSources,
    readonly lines: (file: string) => ConfigLine[] | undefined,
  ) {
    const { user, port } = src.preset ?? {};
    if (user !== undefined)
      this.settings.set('user', [{ directive: directive('user')!, args: [user], file: '(inventory)', line: 0 }]);
    if (port !== undefined)
      this.settings.set('port', [
        { directive: directive('port')!, args: [String(port)], file: '(inventory)', line: 0 },
      ]);
    // `ssh -o K=V` / `-J`: obtained before any file, so they win as on ssh's command line.
    for (const l of src.preset?.options ?? []) {
      const where = l.line > 0 ? `${l.file}:${l.line}` : l.file;
      const d = directive(l.keyword);
      if (!d || ['host', 'match', 'include'].includes(l.keyword))
        throw new ConfigProblem(
          `${where}: ssh option ${JSON.stringify(l.keyword)} is not a client option drover knows`,
        );
      this.apply(d, l, where);
    }
  }

  value(keyword: string): string[] | undefined {
    return this.settings.get(keyword)?.[0]?.args;
  }

  run(pass: Pass): void {
    if (this.src.userFile) this.readFile(this.src.userFile, pass, true, false, 0, Boolean(this.src.checkUserFilePerms));
    if (this.src.systemFile) this.readFile(this.src.systemFile, pass, false, false, 0, false);
  }

  readFile(file: string, pass: Pass, userConf: boolean, neverMatch: boolean, depth: number, checkPerms: boolean): void {
    const lines = this.lines(file);
    if (!lines) return;
    if (checkPerms) checkOwnerAndMode(file);
    // Each file starts active (the Include that read it was); Host/Match inside it decide from there.
    let active = !neverMatch;
    for (const l of lines) {
      const where = `${l.file}:${l.line}`;
      if (l.keyword === 'host') {
        active = !neverMatch && this.hostLine(l, pass.hostForHost, where);
      } else if (l.keyword === 'match') {
        // Evaluated even in a never-matching Include, as OpenSSH does (it would run `exec` there too).
        const v = this.matchLine(l, pass, where);
        active = !neverMatch && v;
      } else if (l.keyword === 'include') {
        if (!l.args.length) throw new ConfigProblem(`${where}: Include without a file`);
        if (depth + 1 > MAX_INCLUDE_DEPTH) throw new ConfigProblem(`${where}: Include nested too deeply`);
        for (const arg of l.args) {
          if (arg.startsWith('~') && !userConf)
            throw new ConfigProblem(`${where}: Include ${arg}: tilde expansion not allowed in the system config`);
          const path =
            arg.startsWith('/') || arg.startsWith('~')
              ? arg
              : `${userConf ? '~/.ssh' : (this.src.systemDir ?? '/etc/ssh')}/${arg}`;
          for (const f of globFiles(path, this.src.env.home))
            this.readFile(f, pass, userConf, neverMatch || !active, depth + 1, true);
        }
      } else {
        const d = directive(l.keyword);
        if (!d) {
          const ignored = this.value('ignoreunknown');
          if (ignored && matchPatternList(l.keyword, ignored[0], true) === 1) continue;
          throw new ConfigProblem(`${where}: Bad configuration option: ${l.keyword}`);
        }
        if (active) this.apply(d, l, where);
      }
    }
  }

  /** readconf.c oHost: any pattern matching (case-sensitive) activates, a matching `!pattern` wins. */
  hostLine(l: ConfigLine, host: string, where: string): boolean {
    if (!l.args.length) throw new ConfigProblem(`${where}: Host without a pattern`);
    let active = false;
    for (const arg of l.args) {
      const negated = arg.startsWith('!');
      if (matchPattern(host, negated ? arg.slice(1) : arg)) {
        if (negated) return false;
        active = true;
      }
    }
    return active;
  }

  /** readconf.c match_cfg_line. */
  matchLine(l: ConfigLine, pass: Pass, where: string): boolean {
    const t = l.args;
    if (!t.length) throw new ConfigProblem(`${where}: Match needs one or more criteria`);
    let result = true;
    let attributes = 0;
    for (let i = 0; i < t.length; i++) {
      const written = t[i];
      const negate = written.startsWith('!');
      const attr = (negate ? written.slice(1) : written).toLowerCase();
      if (attr === 'all') {
        if (attributes > 1 || i + 1 < t.length)
          throw new ConfigProblem(`${where}: Match '${written}' cannot be combined with other Match attributes`);
        return result && !negate;
      }
      attributes++;
      let r: boolean;
      if (attr === 'canonical' || attr === 'final') {
        if (attr === 'final') pass.wantFinal.v = true;
        r = pass.final;
      } else {
        const arg = t[++i];
        if (arg === undefined) throw new ConfigProblem(`${where}: Match ${attr}: missing criteria`);
        if (attr === 'host') r = matchHostname(this.matchHost(pass), arg);
        else if (attr === 'originalhost') r = matchHostname(this.original, arg);
        else if (attr === 'user')
          r = matchPatternList(this.value('user')?.[0] ?? this.src.env.localUser, arg, false) === 1;
        else if (attr === 'localuser') r = matchPatternList(this.src.env.localUser, arg, false) === 1;
        else if (attr === 'exec') {
          if (!result) continue; // OpenSSH skips exec once an earlier criterion failed
          throw new ConfigProblem(
            `${where}: Match exec ${JSON.stringify(arg)}: drover never runs commands from ssh_config (OpenSSH would run this one here)`,
          );
        } else throw new ConfigProblem(`${where}: unsupported Match attribute ${written}`);
      }
      if (r === negate) result = false;
    }
    return result;
  }

  /** What `Match host` sees: the HostName so far with %h expanded (the name given if none), or in the final pass the resolved host. */
  matchHost(pass: Pass): string {
    const hn = this.settings.get('hostname')?.[0];
    if (pass.final || hn === undefined) return hn?.args[0] ?? this.original;
    return expandTokens(hn.args[0], { h: this.original }, `${hn.file}:${hn.line}: HostName`);
  }

  apply(d: Directive, l: ConfigLine, where: string): void {
    const key = d.name.toLowerCase();
    const args = d.rawValue ? [l.rest] : l.args;
    if (!args.length || args[0] === '') throw new ConfigProblem(`${where}: ${d.name}: missing argument`);
    if (args.length > 1 && ONE_ARGUMENT.has(key))
      throw new ConfigProblem(`${where}: ${d.name}: extra arguments at end of line (OpenSSH refuses them too)`);
    const s = { directive: d, args, file: l.file, line: l.line };
    // ProxyJump and ProxyCommand compete: whichever is obtained first prevents the other
    // (`ProxyJump none` does not prevent a ProxyCommand; `ProxyCommand none` prevents a ProxyJump).
    if (key === 'proxycommand') {
      const pj = this.value('proxyjump');
      if (pj && pj[0].toLowerCase() !== 'none') return;
    }
    if (key === 'proxyjump' && this.settings.has('proxycommand')) return;
    const have = this.settings.get(key);
    if (!have) this.settings.set(key, [s]);
    else if (d.combine === 'accumulate' && !have.some((h) => h.args.join(' ') === args.join(' '))) have.push(s);
  }
}

/**
 * readconf.c SSHCONF_CHECKPERM: OpenSSH refuses a ~/.ssh/config or Included file that someone else could
 * have written (owner not the user or root, or writable by group/others) — so does drover.
 */
function checkOwnerAndMode(file: string): void {
  const st = statSync(file);
  const uid = process.getuid?.() ?? st.uid;
  if ((st.uid !== 0 && st.uid !== uid) || (st.mode & 0o022) !== 0) {
    throw new ConfigProblem(
      `${file}: bad owner or permissions (OpenSSH refuses it too): it must belong to you or root and not be writable by group or others`,
    );
  }
}

/**
 * misc.c percent_expand: `%x` from `tokens`, `%%`; an unknown token is an error. One pass: a `%` inside
 * a value is never expanded again. `word` turns each value into what is substituted (a shell word).
 */
export function expandTokens(
  s: string,
  tokens: Record<string, string>,
  what: string,
  word: (v: string) => string = (v) => v,
): string {
  return s.replace(/%(.?)/gs, (_m, c: string) => {
    if (c === '%') return '%';
    const v = tokens[c];
    if (v === undefined) throw new ConfigProblem(`${what} ${JSON.stringify(s)}: unknown token %${c}`);
    return word(v);
  });
}

function lowerUnlessAddress(h: string): string {
  return isIP(h) ? h : h.toLowerCase();
}

/** Resolves `host` through the config files; throws ConfigProblem (message starts with file:line). */
export function resolveSshConfig(host: string, src: SshConfigSources): SshConfigResolution {
  const read = src.read ?? readIfExists;
  const r = new Resolver(host, src, (file) => parsedLines(file, read));
  const wantFinal = { v: false };
  r.run({ hostForHost: host, final: false, wantFinal });
  let h = lowerUnlessAddress(host);
  const hn = r.settings.get('hostname')?.[0];
  if (hn !== undefined) h = lowerUnlessAddress(expandTokens(hn.args[0], { h }, `${hn.file}:${hn.line}: HostName`));
  if (wantFinal.v) {
    // ssh.c: the final pass starts with HostName set to the resolved host and matches Host lines against it.
    const first = r.settings.get('hostname')?.[0];
    r.settings.set('hostname', [
      { directive: directive('hostname')!, args: [h], file: first?.file ?? '(resolved)', line: first?.line ?? 0 },
    ]);
    r.run({ hostForHost: h, final: true, wantFinal: { v: false } });
  }
  return { originalHost: host, host: h, settings: r.settings, finalPass: wantFinal.v };
}

/** The tokens OpenSSH expands in IdentityFile, UserKnownHostsFile, … (readconf/ssh.c), for a resolution. */
export function connectionTokens(res: SshConfigResolution, env: SshConfigEnv): Record<string, string> {
  const l = env.localHost ?? localHostname();
  const port = res.settings.get('port')?.[0]?.args[0] ?? '22';
  const user = res.settings.get('user')?.[0]?.args[0] ?? env.localUser;
  return {
    C: createHash('sha1')
      .update(l + res.host + port + user)
      .digest('hex'),
    d: env.home,
    h: res.host,
    i: String(env.uid ?? process.getuid?.() ?? 0),
    k: res.settings.get('hostkeyalias')?.[0]?.args[0] ?? res.originalHost,
    L: l.split('.')[0],
    l,
    n: res.originalHost,
    p: port,
    r: user,
    u: env.localUser,
  };
}

/** Tokens, then `~` (misc.c tilde_expand_filename) — the order OpenSSH uses for IdentityFile. */
export function expandPath(s: string, tokens: Record<string, string>, env: SshConfigEnv, what: string): string {
  const t = expandTokens(s, tokens, what);
  return t === '~' ? env.home : t.startsWith('~/') ? join(env.home, t.slice(2)) : t;
}

// Parsed once per file while it is unchanged: resolveConnection runs once per host.
const parsedCache = new Map<string, { stamp: string; lines: ConfigLine[] }>();
function parsedLines(file: string, read: (file: string) => string | undefined): ConfigLine[] | undefined {
  if (read !== readIfExists) {
    const text = read(file);
    return text === undefined ? undefined : parseConfigText(text, file);
  }
  let stamp: string;
  try {
    const st = statSync(file);
    stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    return undefined;
  }
  const hit = parsedCache.get(file);
  if (hit?.stamp === stamp) return hit.lines;
  const text = readIfExists(file);
  if (text === undefined) return undefined;
  const lines = parseConfigText(text, file);
  parsedCache.set(file, { stamp, lines });
  return lines;
}

export function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigProblem(`cannot read ssh config ${file}: ${(e as Error).message}`);
  }
}
