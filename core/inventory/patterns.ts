// Ansible host patterns (`hosts:` and --limit): all, *, groups, hosts, globs, ~regex, a:b, a:&b, a:!b, subscripts.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { groupVars, InventoryError, mergeVars, type Inventory, type InventoryHost } from './model.ts';
import { templatedVars, varResolver } from './templated-vars.ts';
import { translatePattern } from '../../modules/shared/python-regex.ts';
import { isAnsibleAddress } from './ranges.ts';

export interface PatternMatch {
  /** Matching hosts in Ansible's order (see matchPattern), no duplicates. */
  hosts: InventoryHost[];
  /** Terms that matched no host and no group (the CLI warns, like Ansible's "Could not match supplied host pattern"). */
  unmatched: string[];
}

/**
 * Splits a pattern into terms like Ansible's split_host_pattern: on commas when there are any;
 * else a pattern that reads as one address (`2001:db8::1`, `web[1:3]`, even `h1:2222`) is one
 * term; else it splits on colons that are not inside [x:y] brackets (`web[0:2]:db` is two terms).
 */
export function splitPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (isAnsibleAddress(pattern)) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Python's fnmatch.translate: * ? [seq] [!seq], anchored, case-sensitive. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i + 1;
      if (glob[j] === '!') j++;
      if (glob[j] === ']') j++;
      while (j < glob.length && glob[j] !== ']') j++;
      if (j >= glob.length) re += '\\[';
      else {
        let body = glob.slice(i + 1, j).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = '^' + body.slice(1);
        else if (body.startsWith('^')) body = '\\' + body;
        re += `[${body}]`;
        i = j;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's');
}

function regexOf(term: string): RegExp {
  if (term.startsWith('~')) {
    try {
      // Python's re (Ansible's): (?i) and other leading flags, \A, \Z, (?P<name>...); re.match anchors
      // at the start only.
      const t = translatePattern(term.slice(1), '', true);
      return new RegExp(`^(?:${t.source})`, t.flags);
    } catch (e) {
      throw new InventoryError(`invalid host pattern regex '${term}': ${(e as Error).message}`);
    }
  }
  return globToRegExp(term);
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;
const LOCALHOST_NAMES = ['localhost', '127.0.0.1', '::1'];
const implicitLocal = new WeakMap<Inventory, Map<string, InventoryHost>>();

/**
 * Ansible's implicit localhost: a pattern naming localhost, 127.0.0.1 or ::1 that matched nothing
 * selects the inventory's localhost-like host if it has one, else a local-connection host of that
 * name with the `all` group's vars (and extra vars).
 */
function implicitLocalhost(inv: Inventory, name: string): InventoryHost {
  // Ansible's get_host: the first inventory host named localhost, 127.0.0.1 or ::1 stands for all three.
  const explicit = inv.hosts.find((h) => LOCALHOST_NAMES.includes(h.name));
  if (explicit) return explicit;
  let byName = implicitLocal.get(inv);
  if (!byName) implicitLocal.set(inv, (byName = new Map()));
  let h = byName.get(name);
  if (!h) {
    const rawVars = mergeVars(groupVars(inv, 'all'), inv.extraVars);
    const ctx = { name, groupNames: ['ungrouped'], groups: {}, hostvars: {}, playbookDir: inv.playbookDir };
    h = {
      name,
      groups: ['all', 'ungrouped'],
      vars: templatedVars(`host ${name}`, rawVars, varResolver(rawVars, ctx)),
      rawVars,
      connection: { connection: 'local' },
    };
    byName.set(name, h);
  }
  return h;
}

/** Per inventory: hosts by name, and each group's hosts in Ansible's order (Group.get_hosts). */
interface Index {
  byName: Map<string, InventoryHost>;
  groupHosts: Map<string, InventoryHost[]>;
}
const indexes = new WeakMap<Inventory, Index>();

function indexOf(inv: Inventory): Index {
  let ix = indexes.get(inv);
  if (!ix) {
    ix = { byName: new Map(inv.hosts.map((h) => [h.name, h])), groupHosts: new Map() };
    indexes.set(inv, ix);
  }
  return ix;
}

/**
 * A group's hosts as Ansible's Group.get_hosts lists them: the group's own hosts, then each child's
 * own hosts in child order, then the grandchildren's, level by level (Ansible walks each level as a
 * Python set, so with several grandchildren its order inside a level may differ; drover uses child order).
 */
function hostsOfGroup(inv: Inventory, name: string): InventoryHost[] {
  const ix = indexOf(inv);
  const cached = ix.groupHosts.get(name);
  if (cached) return cached;
  const root = inv.groups.get(name)!;
  const ordered = [root, ...root.children.map((c) => inv.groups.get(c)!)];
  const seen = new Set([name, ...root.children]);
  let level = root.children;
  while (level.length) {
    const next: string[] = [];
    for (const g of level) {
      for (const c of inv.groups.get(g)!.children) {
        if (seen.has(c)) continue;
        seen.add(c);
        next.push(c);
        ordered.push(inv.groups.get(c)!);
      }
    }
    level = next;
  }
  const out: InventoryHost[] = [];
  const have = new Set<string>();
  for (const g of ordered) {
    for (const h of g.hosts) {
      if (have.has(h)) continue;
      have.add(h);
      const host = ix.byName.get(h);
      if (host) out.push(host);
    }
  }
  ix.groupHosts.set(name, out);
  return out;
}

/**
 * The hosts one term (without & or !) selects, as Ansible's _enumerate_matches does: the hosts of
 * each matching group (in group order), then matching host names (when no group matched, or the term
 * is a glob or regex); duplicates are kept until the end, as subscripts count them too.
 */
function matchTerm(inv: Inventory, term: string): { hosts: InventoryHost[]; matched: boolean; expr: string } {
  let expr = term;
  let sub: { start: number; end?: number } | undefined;
  if (!term.startsWith('~')) {
    const m = SUBSCRIPT.exec(term);
    if (m) {
      expr = m[1];
      sub = m[2] !== undefined ? { start: Number(m[2]) } : { start: Number(m[3]), end: m[5] ? Number(m[5]) : -1 };
    }
  }
  const re = regexOf(expr);
  const groups = [...inv.groups.keys()].filter((g) => re.test(g));
  const hosts: InventoryHost[] = [];
  for (const g of groups) hosts.push(...hostsOfGroup(inv, g));
  if (groups.length === 0 || expr.startsWith('~') || /[.?*[]/.test(expr)) {
    for (const h of inv.hosts) if (re.test(h.name)) hosts.push(h);
  }
  if (hosts.length === 0 && LOCALHOST_NAMES.includes(expr)) hosts.push(implicitLocalhost(inv, expr));
  return { hosts: applySubscript(hosts, sub, term), matched: hosts.length > 0 || groups.length > 0, expr };
}

/** Ansible's _apply_subscript, with Python's indexing: [i] (negative from the end), [a:b] inclusive, [a:]; [i] past the end is an error. */
function applySubscript(
  hosts: InventoryHost[],
  sub: { start: number; end?: number } | undefined,
  term: string,
): InventoryHost[] {
  // As in Ansible, a term that matched nothing stays empty (it is only warned about).
  if (!sub || hosts.length === 0) return hosts;
  // Like Python, `if end:` treats an end of 0 as absent: g[1:0] is g[1].
  if (sub.end) {
    const end = sub.end === -1 ? hosts.length - 1 : sub.end;
    return hosts.slice(sub.start, end + 1);
  }
  const i = sub.start < 0 ? hosts.length + sub.start : sub.start;
  if (i < 0 || i >= hosts.length)
    throw new InventoryError(`no hosts matched the subscripted pattern '${term}' (${hosts.length} hosts)`);
  return [hosts[i]];
}

/**
 * Evaluates a host pattern as Ansible's InventoryManager does: plain terms first (a union, in the
 * order written), then `&` terms (intersections), then `!` terms (exclusions); a pattern of only
 * `&`/`!` terms starts from `all`. A plain term that is exactly a host name selects that host; a
 * `&`/`!` term always goes through group and glob matching (so `!web` means the group web even when
 * a host is also named web). Hosts come out in the order the terms produce them, deduplicated.
 */
export function matchPattern(inv: Inventory, pattern: string | readonly string[]): PatternMatch {
  // A list is terms already (--limit with @file: each line is one term, as Ansible's subset() keeps them).
  const terms = typeof pattern === 'string' ? splitPattern(pattern) : pattern;
  const regular = terms.filter((t) => t[0] !== '&' && t[0] !== '!');
  const ordered = [
    ...(regular.length ? regular : ['all']),
    ...terms.filter((t) => t[0] === '&'),
    ...terms.filter((t) => t[0] === '!'),
  ];
  let selected: InventoryHost[] = [];
  const unmatched: string[] = [];
  const byName = indexOf(inv).byName;
  for (const t of ordered) {
    const direct = byName.get(t);
    if (direct) {
      selected.push(direct);
      continue;
    }
    const bare = t[0] === '&' || t[0] === '!' ? t.slice(1) : t;
    // An empty line of a --limit @file matches nothing, without a warning (as in Ansible).
    if (!t && typeof pattern !== 'string') continue;
    if (!bare) throw new InventoryError(`empty host pattern term in '${pattern}'`);
    const { hosts, matched, expr } = matchTerm(inv, bare);
    if (!matched && expr !== 'all' && !unmatched.includes(expr)) unmatched.push(expr);
    if (t[0] === '&') {
      const keep = new Set(hosts);
      selected = selected.filter((h) => keep.has(h));
    } else if (t[0] === '!') {
      const drop = new Set(hosts);
      selected = selected.filter((h) => !drop.has(h));
    } else {
      const existing = new Set(selected.map((h) => h.name));
      selected.push(...hosts.filter((h) => !existing.has(h.name)));
    }
  }
  const seen = new Set<string>();
  return { hosts: selected.filter((h) => !seen.has(h.name) && seen.add(h.name)), unmatched };
}

/**
 * The terms of a --limit, as Ansible's InventoryManager.subset reads them: the limit split like a
 * pattern, and `@file` replaced by its lines (Ansible's retry files), each line one term as written
 * (`web:&db` on a line is a name, not a pattern).
 */
function limitTerms(limit: string, cwd: string): string[] {
  return splitPattern(limit).flatMap((t) => {
    if (!t.startsWith('@')) return [t];
    let text: string;
    try {
      text = readFileSync(resolve(cwd, t.slice(1)), 'utf8');
    } catch (e) {
      throw new InventoryError(
        `--limit ${t}: cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    return text.split('\n').map((l) => l.trim());
  });
}

/**
 * Hosts matching `pattern`, restricted to those matching `limit` when given (--limit, which also
 * takes `@file` with one host name per line), in the pattern's order (see matchPattern), with the
 * terms of both that matched nothing. Nothing matched → no hosts (the caller errors).
 */
export function selectHostsReport(
  inv: Inventory,
  pattern: string,
  limit?: string,
  opts: { cwd?: string } = {},
): PatternMatch {
  const main = matchPattern(inv, pattern);
  if (limit === undefined) return main;
  const terms = limitTerms(limit, opts.cwd ?? process.cwd());
  // An empty --limit ('') limits nothing, as in Ansible (its subset is then an empty list).
  if (terms.length === 0) return main;
  const sub = matchPattern(inv, terms);
  const allowed = new Set(sub.hosts.map((h) => h.name));
  return {
    hosts: main.hosts.filter((h) => allowed.has(h.name)),
    unmatched: [...main.unmatched, ...sub.unmatched.filter((u) => !main.unmatched.includes(u))],
  };
}

/** selectHostsReport's hosts only. */
export function selectHosts(
  inv: Inventory,
  pattern: string,
  limit?: string,
  opts: { cwd?: string } = {},
): InventoryHost[] {
  return selectHostsReport(inv, pattern, limit, opts).hosts;
}
