// Which host and user names drover lets reach a shell command or a jump spec. Two layers: OpenSSH's own
// checks of what ssh is given on its command line (misc.c valid_hostname / valid_ruser, the
// CVE-2023-51385 fix), and stricter ones for every value substituted into a ProxyCommand, a ProxyJump or
// a file path (%h %n %r): a value that passes is one plain shell word that no shell expands.
import { isIP } from 'node:net';
import { quote } from '../sh.ts';
import { SshConfigProblem as ConfigProblem } from './ssh-config-syntax.ts';

/** C isspace / iscntrl in the C locale, as OpenSSH tests them (NUL included: C would cut the string there). */
const C_SPACE = /[ \t\n\v\f\r]/;
const C_CNTRL = /[\x00-\x1f\x7f]/;
const HOST_SPECIAL = '\'`"$\\;&<>|(){},';
const USER_SPECIAL = '\'`";&<>|(){}';

/** A value for messages: quoted, with anything outside printable ASCII escaped (nothing raw reaches a terminal). */
export function shown(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

function badChar(c: string): string {
  return `it contains ${shown(c)}`;
}

/** misc.c valid_hostname: why OpenSSH refuses `s` as the host on its command line ("hostname contains invalid characters"). */
export function opensshHostProblem(s: string): string | undefined {
  if (s.startsWith('-')) return 'it starts with "-" (it would be read as an option)';
  for (const c of s) if (HOST_SPECIAL.includes(c) || C_SPACE.test(c) || C_CNTRL.test(c)) return badChar(c);
  return undefined;
}

/** misc.c valid_ruser: why OpenSSH refuses `s` as a user given on its command line (`-l`, `-o User=`, `user@host`). */
export function opensshUserProblem(s: string): string | undefined {
  if (s.startsWith('-')) return 'it starts with "-" (it would be read as an option)';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (C_CNTRL.test(c) || USER_SPECIAL.includes(c)) return badChar(c);
    if (C_SPACE.test(c) && s[i + 1] === '-') return 'it has a "-" after a space (it would be read as an option)';
    if (c === '\\' && i === s.length - 1) return 'it ends with "\\"';
  }
  return undefined;
}

/**
 * Stricter than OpenSSH, for a host substituted into a ProxyCommand, ProxyJump or path: a DNS-style name
 * (letters, digits, `.`, `-`, `_`, ASCII only) or an IP address (IPv6 with an optional %zone, optionally
 * in brackets). OpenSSH lets through `*`, `?`, `[`, `~`, `#`, `!`, `/`, `%`, `@`, `:` and non-ASCII
 * letters, which a shell expands or which change a jump spec or a path.
 */
export function strictHostProblem(s: string): string | undefined {
  const o = opensshHostProblem(s);
  if (o) return o;
  if (s === '') return 'it is empty';
  const bare = /^\[(.*)\]$/.exec(s)?.[1] ?? s;
  if (/^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/.test(bare) && isIP(bare) === 6) return undefined;
  if (bare !== s) return 'only an IPv6 address may be written in brackets';
  if (!/^[A-Za-z0-9_]/.test(s)) return 'it must start with a letter, a digit or "_"';
  for (const c of s) {
    if (!/[A-Za-z0-9_.-]/.test(c)) {
      return `${badChar(c)}; a host name here may only have letters, digits, ".", "-" and "_"${c > '\x7f' ? ' (write a non-ASCII name in its xn-- form)' : ''}`;
    }
  }
  return undefined;
}

/** Stricter than OpenSSH, for a user substituted into a ProxyCommand, ProxyJump or path: letters, digits, `.`, `-`, `_`, `@`. */
export function strictUserProblem(s: string): string | undefined {
  const o = opensshUserProblem(s);
  if (o) return o;
  if (s === '') return 'it is empty';
  if (!/^[A-Za-z0-9_]/.test(s)) return 'it must start with a letter, a digit or "_"';
  for (const c of s)
    if (!/[A-Za-z0-9_.@-]/.test(c))
      return `${badChar(c)}; a user name here may only have letters, digits, ".", "-", "_" and "@"`;
  return undefined;
}

/** A token's value and where it came from, for the error naming both. */
export interface TokenSource {
  value: string;
  kind: 'host' | 'user';
  from: string;
}

/** The tokens `template` uses (`%%` is not one). */
function usedTokens(template: string): Set<string> {
  return new Set([...template.matchAll(/%(.)/gs)].map((m) => m[1]).filter((c) => c !== '%'));
}

/**
 * Refuses (ConfigProblem naming `what` = "file:line: Directive", the host, the token, its value and
 * source) when a token `template` uses carries a host or user name that is not strictly safe. Runs
 * before the template is expanded, so nothing built from such a value is ever run.
 */
export function checkTokenValues(
  template: string,
  what: string,
  host: string,
  sources: Record<string, TokenSource>,
): void {
  for (const t of usedTokens(template)) {
    const src = sources[t];
    if (!src) continue;
    const problem = (src.kind === 'host' ? strictHostProblem : strictUserProblem)(src.value);
    if (problem) {
      throw new ConfigProblem(
        `${what} for host ${shown(host)}: %${t} would be ${shown(src.value)} (${src.from}): ${problem}. ` +
          `drover refuses to put such a ${src.kind} name into it (nothing was run or connected)`,
      );
    }
  }
}

/**
 * Checks an expanded ProxyJump value hop by hop (`[user@]host[:port]`, `ssh://…`, IPv6 in brackets): each
 * jump user and jump host must be strictly safe. OpenSSH does not check the jump user of a ProxyJump from
 * ssh_config and puts it into the `ssh -l USER -W …` command it runs: drover refuses it here.
 */
export function checkJumpSpec(value: string, what: string, host: string): void {
  for (const raw of value.split(',')) {
    let s = raw.trim();
    if (s.startsWith('ssh://')) s = s.slice(6).replace(/\/$/, '');
    const atSign = s.lastIndexOf('@');
    const user = atSign >= 0 ? s.slice(0, atSign) : undefined;
    const rest = atSign >= 0 ? s.slice(atSign + 1) : s;
    const v6 = /^\[([^\]]*)\](?::[^:]*)?$/.exec(rest);
    const jumpHost = v6 ? `[${v6[1]}]` : rest.split(':').length === 2 ? rest.split(':')[0] : rest;
    const fail = (part: string, v: string, problem: string) =>
      new ConfigProblem(
        `${what} for host ${shown(host)}: jump ${part} ${shown(v)} in ${shown(raw.trim())}: ${problem} (nothing was run or connected)`,
      );
    if (user !== undefined) {
      const p = strictUserProblem(user);
      if (p) throw fail('user', user, p);
    }
    const p = strictHostProblem(jumpHost);
    if (p) throw fail('host', jumpHost, p);
  }
}

/** The value as one shell word: unchanged when it is one already (every strictly checked name but `[v6]`), else quoted. */
export function shellWord(value: string): string {
  return quote(value);
}
