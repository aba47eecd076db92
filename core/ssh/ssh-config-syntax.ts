// ssh_config(5) syntax as OpenSSH 9.2 reads it (readconf.c, misc.c, match.c): lines into keyword +
// arguments, `*`/`?` patterns and comma pattern lists, and the globs `Include` expands. Pure but for glob.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ConfigLine {
  file: string;
  /** 1-based. */
  line: number;
  /** Lowercased, as written (not yet resolved to a directive). */
  keyword: string;
  /** Arguments split as OpenSSH's argv_split does (quotes, backslash escapes, `#` ends the line). */
  args: string[];
  /** The rest of the line after the keyword and its separator, as written (for command values). */
  rest: string;
}

/** A config the resolver cannot accept; the message starts with file:line. */
export class SshConfigProblem extends Error {}

const WS = ' \t\r\n';

/** misc.c argv_split(…, terminate_on_comment=1). */
export function splitArgs(s: string, where: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break;
    let arg = '';
    let quote = '';
    for (; i < s.length; i++) {
      const ch = s[i];
      const next = s[i + 1];
      if (ch === '\\') {
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) {
          arg += next;
          i++;
        } else arg += ch;
      } else if (quote === '' && (ch === ' ' || ch === '\t')) break;
      else if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
      else if (quote !== '' && ch === quote) quote = '';
      else arg += ch;
    }
    if (quote !== '') throw new SshConfigProblem(`${where}: invalid quotes`);
    out.push(arg);
  }
  return out;
}

/** One line of a config file, or undefined for blank lines and comments. */
export function parseLine(raw: string, file: string, line: number): ConfigLine | undefined {
  // OpenSSH strips trailing whitespace (and form feeds), then takes the keyword up to whitespace or
  // one `=` (misc.c strdelim): `Port=22`, `Port = 22` and `Port 22` are the same line.
  const text = raw.replace(/[ \t\r\n\f]+$/, '').replace(/^[ \t\r\n]+/, '');
  if (text === '' || text.startsWith('#')) return undefined;
  const m = /^([^ \t\r\n"=]*)/.exec(text)!;
  const keyword = m[1];
  if (keyword === '') throw new SshConfigProblem(`${file}:${line}: missing keyword`);
  let rest = text.slice(keyword.length);
  let k = 0;
  while (k < rest.length && WS.includes(rest[k])) k++;
  if (rest[k] === '=') {
    k++;
    while (k < rest.length && WS.includes(rest[k])) k++;
  }
  rest = rest.slice(k);
  return { file, line, keyword: keyword.toLowerCase(), args: splitArgs(rest, `${file}:${line}`), rest };
}

export function parseConfigText(text: string, file: string): ConfigLine[] {
  const out: ConfigLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const l = parseLine(raw, file, i + 1);
    if (l) out.push(l);
  });
  return out;
}

const compiled = new Map<string, RegExp>();
/** match.c match_pattern: `*` and `?` only, case-sensitive. */
export function matchPattern(s: string, pattern: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    const body = [...pattern]
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    compiled.set(pattern, (re = new RegExp(`^${body}$`, 's')));
  }
  return re.test(s);
}

/**
 * match.c match_pattern_list: 1 when a positive sub-pattern matches, -1 when a `!negated` one does
 * (which wins), else 0. `lower` lowercases the patterns (the caller lowercases the string).
 */
export function matchPatternList(s: string, list: string, lower: boolean): -1 | 0 | 1 {
  let positive = false;
  for (const part of list.split(',')) {
    const negated = part.startsWith('!');
    let p = negated ? part.slice(1) : part;
    if (lower) p = p.toLowerCase();
    if (matchPattern(s, p)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

/** match.c match_hostname: both sides lowercased. */
export function matchHostname(host: string, list: string): boolean {
  return matchPatternList(host.toLowerCase(), list, true) === 1;
}

function globSegment(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let cls = seg.slice(i + 1, end);
        if (cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * glob(3) with GLOB_TILDE as OpenSSH calls it for Include: `~` is $HOME (glibc), wildcards do not match
 * a leading dot, results sorted; no match is no file (not an error).
 */
export function globFiles(pattern: string, home: string): string[] {
  let p = pattern;
  if (p === '~' || p.startsWith('~/')) p = home + p.slice(1);
  if (!p.startsWith('/')) return [];
  let paths = ['/'];
  for (const seg of p.split('/').filter((s) => s !== '')) {
    const next: string[] = [];
    if (!/[*?[]/.test(seg)) {
      for (const dir of paths) next.push(join(dir, seg));
    } else {
      const re = globSegment(seg);
      for (const dir of paths) {
        let names: string[];
        try {
          names = readdirSync(dir);
        } catch {
          continue;
        }
        for (const n of names) if ((seg.startsWith('.') || !n.startsWith('.')) && re.test(n)) next.push(join(dir, n));
      }
    }
    paths = next;
  }
  return paths
    .filter((f) => {
      try {
        statSync(f);
        return true;
      } catch {
        return false;
      }
    })
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
