// Ansible host patterns (`hosts:` and --limit): all, *, groups, hosts, globs, ~regex, a:b, a:&b, a:!b, subscripts.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { groupVars, InventoryError, type Inventory, type InventoryHost } from './model.ts';

export interface PatternMatch {
  /** Matching hosts in inventory order, no duplicates. */
  hosts: InventoryHost[];
  /** Terms that matched no host and no group (the CLI warns, like Ansible's "Could not match supplied host pattern"). */
  unmatched: string[];
}

/**
 * Splits a pattern into terms like Ansible: on commas when there are any, else on colons that are
 * not inside [x:y] brackets (so `web[0:2]:db` is two terms). Whitespace around terms is ignored.
 */
export function splitPattern(pattern: string): string[] {
  const parts = pattern.includes(',') ? pattern.split(',') : (pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? []);
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
      // Python's re.match: anchored at the start only. (?P<name>...) is Python's spelling of (?<name>...).
      return new RegExp(`^(?:${term.slice(1).replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>')})`);
    } catch (e) {
      throw new InventoryError(`invalid host pattern regex '${term}': ${(e as Error).message}`);
    }
  }
  return globToRegExp(term);
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;
const LOCALHOST_NAMES = ['localhost', '127.0.0.1', '::1'];
const implicitLocal = new WeakMap<Inventory, InventoryHost>();

/**
 * Ansible's implicit localhost: a pattern naming localhost when the inventory has no such host
 * selects a local-connection host with the `all` group's vars (and extra vars).
 */
function implicitLocalhost(inv: Inventory): InventoryHost {
  let h = implicitLocal.get(inv);
  if (!h) {
    h = { name: 'localhost', groups: ['all', 'ungrouped'], vars: { ...groupVars(inv, 'all'), ...inv.extraVars }, connection: { connection: 'local' } };
    implicitLocal.set(inv, h);
  }
  return h;
}

/** The hosts one term (without & or !) selects, in inventory order; `matched` is false when nothing matched. */
function matchTerm(inv: Inventory, term: string): { hosts: InventoryHost[]; matched: boolean } {
  const direct = inv.hosts.find((h) => h.name === term);
  if (direct) return { hosts: [direct], matched: true };
  let expr = term;
  let sub: { start: number; end?: number } | undefined;
  if (!term.startsWith('~')) {
    const m = SUBSCRIPT.exec(term);
    if (m) {
      expr = m[1];
      sub = m[2] !== undefined ? { start: Number(m[2]) } : { start: Number(m[3]), end: m[5] ? Number(m[5]) : -1 };
    }
  }
  if (expr === 'all' || expr === '*') return { hosts: applySubscript(inv.hosts, sub, term), matched: true };
  const re = regexOf(expr);
  const groups = [...inv.groups.keys()].filter((g) => re.test(g));
  const chosen = new Set<string>();
  for (const h of inv.hosts) if (h.groups.some((g) => groups.includes(g))) chosen.add(h.name);
  if (groups.length === 0 || expr.startsWith('~') || /[.?*[]/.test(expr)) {
    for (const h of inv.hosts) if (re.test(h.name)) chosen.add(h.name);
  }
  let hosts = inv.hosts.filter((h) => chosen.has(h.name));
  if (hosts.length === 0 && LOCALHOST_NAMES.includes(expr)) hosts = [implicitLocalhost(inv)];
  return { hosts: applySubscript(hosts, sub, term), matched: hosts.length > 0 || groups.length > 0 };
}

function applySubscript(hosts: InventoryHost[], sub: { start: number; end?: number } | undefined, term: string): InventoryHost[] {
  if (!sub || hosts.length === 0) return hosts;
  if (sub.end === undefined) {
    const i = sub.start < 0 ? hosts.length + sub.start : sub.start;
    if (i < 0 || i >= hosts.length) throw new InventoryError(`no hosts matched the subscripted pattern '${term}' (${hosts.length} hosts)`);
    return [hosts[i]];
  }
  const end = sub.end === -1 ? hosts.length - 1 : sub.end;
  return hosts.slice(sub.start, end + 1);
}

/** Evaluates a host pattern: plain terms are unions, then `&` terms intersect, then `!` terms exclude. */
export function matchPattern(inv: Inventory, pattern: string): PatternMatch {
  const terms = splitPattern(pattern);
  const regular = terms.filter((t) => t[0] !== '&' && t[0] !== '!');
  const ordered = [...(regular.length ? regular : ['all']), ...terms.filter((t) => t[0] === '&'), ...terms.filter((t) => t[0] === '!')];
  let selected = new Set<InventoryHost>();
  const unmatched: string[] = [];
  for (const t of ordered) {
    const bare = t[0] === '&' || t[0] === '!' ? t.slice(1) : t;
    if (!bare) throw new InventoryError(`empty host pattern term in '${pattern}'`);
    const { hosts, matched } = matchTerm(inv, bare);
    if (!matched && bare !== 'all') unmatched.push(bare);
    if (t[0] === '&') {
      const keep = new Set(hosts);
      selected = new Set([...selected].filter((h) => keep.has(h)));
    } else if (t[0] === '!') {
      for (const h of hosts) selected.delete(h);
    } else for (const h of hosts) selected.add(h);
  }
  const inInventory = inv.hosts.filter((h) => selected.has(h));
  const known = new Set(inv.hosts);
  const extra = [...selected].filter((h) => !known.has(h));
  return { hosts: [...inInventory, ...extra], unmatched };
}

/** `@file` in --limit: host names, one per line (Ansible's retry files). */
function limitTerms(limit: string, cwd: string): string {
  return splitPattern(limit)
    .map((t) => {
      if (!t.startsWith('@')) return t;
      let text: string;
      try {
        text = readFileSync(resolve(cwd, t.slice(1)), 'utf8');
      } catch (e) {
        throw new InventoryError(`--limit ${t}: cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).join(',');
    })
    .filter(Boolean)
    .join(',');
}

/**
 * Hosts matching `pattern`, restricted to those matching `limit` when given (--limit, which also
 * takes `@file` with one host name per line), in inventory order. Nothing matched → [] (the caller errors).
 */
export function selectHosts(inv: Inventory, pattern: string, limit?: string, opts: { cwd?: string } = {}): InventoryHost[] {
  const hosts = matchPattern(inv, pattern).hosts;
  if (limit === undefined) return hosts;
  const terms = limitTerms(limit, opts.cwd ?? process.cwd());
  if (!terms) return [];
  const allowed = new Set(matchPattern(inv, terms).hosts.map((h) => h.name));
  return hosts.filter((h) => allowed.has(h.name));
}
