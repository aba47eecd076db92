// The Jinja filters, tests and string methods drover's inventory templating supports, with Jinja2's and Ansible's semantics.
import { dirname as posixDirname } from 'node:path/posix';
import { compileLineRegExp, expandTemplate, translatePattern } from '../../modules/shared/python-regex.ts';
import { IntegralFloat, numberOf, pyFloatValue } from './py-float.ts';
import { pyStr } from './py-text.ts';

/** A value Jinja calls undefined (a missing var or key); `name` is what was looked up, for the error. */
export class Undefined {
  constructor(readonly name: string) {}
}

/** An error in a template's use (an undefined var, a bad filter argument): reported with the var and where it was set. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

const undefinedError = (u: Undefined) =>
  new TemplateError(`'${u.name}' is undefined${/^ansible_/.test(u.name) ? ' (drover gathers no facts)' : ''}`);

/** Fails on an undefined operand, as Ansible's strict undefined does when a filter uses it. */
export function defined(v: unknown): unknown {
  if (v instanceof Undefined) throw undefinedError(v);
  return v;
}

/** Python truthiness (Jinja's `if`, `default(x, true)`, `ternary`). */
export function truthy(v: unknown): boolean {
  if (v instanceof Undefined) return false;
  if (v instanceof IntegralFloat) return v.value !== 0;
  if (v === null || v === undefined || v === false || v === 0 || v === '' || v === 0n) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

const str = (v: unknown, filter: string): string => {
  const d = defined(v);
  if (typeof d !== 'string')
    throw new TemplateError(`filter ${filter} expects a string, got a ${Array.isArray(d) ? 'list' : typeof d}`);
  return d;
};

/** Python int(text, base): surrounding whitespace and `_` between digits allowed. */
function pyIntText(text: string, base: number): number | undefined {
  const t = text.trim();
  const digits = base === 16 ? '[0-9a-fA-F]' : base === 8 ? '[0-7]' : base === 2 ? '[01]' : '[0-9]';
  const m = new RegExp(`^([+-]?)(${digits}(?:_?${digits})*)$`).exec(t);
  if (!m) return undefined;
  const n = parseInt(m[2].replace(/_/g, ''), base);
  return m[1] === '-' ? -n : n;
}

/** Python float(text). */
function pyFloatText(text: string): number | undefined {
  const t = text.trim().replace(/(?<=\d)_(?=\d)/g, '');
  if (/^[+-]?(?:inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** Jinja2's `int` filter: int(value, base), else int(float(value)), else the default. */
function intFilter(v: unknown, dflt: unknown = 0, base: unknown = 10): unknown {
  const x = numberOf(defined(v));
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (typeof x === 'number') return Number.isFinite(x) ? Math.trunc(x) : dflt;
  if (typeof x === 'bigint') return x;
  if (typeof x === 'string') {
    const i = pyIntText(x, Number(base));
    if (i !== undefined) return i;
    const f = pyFloatText(x);
    return f !== undefined && Number.isFinite(f) ? Math.trunc(f) : dflt;
  }
  return dflt;
}

/** Jinja2's `float` filter: a float (a whole one stays a float: `{{ 8 | float }}` is 8.0), else the default. */
function floatFilter(v: unknown, dflt: unknown = new IntegralFloat(0)): unknown {
  const x = numberOf(defined(v));
  const f =
    typeof x === 'number'
      ? x
      : typeof x === 'boolean'
        ? Number(x)
        : typeof x === 'bigint'
          ? Number(x)
          : typeof x === 'string'
            ? pyFloatText(x)
            : undefined;
  return f === undefined ? dflt : pyFloatValue(f);
}

/** Ansible's `bool` filter (to_bool): yes/on/1/true (any case) and 1 are true; everything else false. */
function boolFilter(v: unknown): boolean {
  const x = numberOf(defined(v));
  if (typeof x === 'boolean') return x;
  if (x === null) return false;
  const t = typeof x === 'string' ? x.toLowerCase() : x;
  return t === 'yes' || t === 'on' || t === '1' || t === 'true' || t === 1;
}

const compiled = new Map<string, { re: RegExp; groups: number }>();

/** A regex_replace pattern compiled once per pattern and flags (a host list renders it per host). */
function compileSub(pattern: string, flags: string): { re: RegExp; groups: number } {
  const key = `${flags}/${pattern}`;
  let hit = compiled.get(key);
  if (!hit) {
    let t: { source: string; flags: string };
    try {
      t = translatePattern(pattern, flags, true);
    } catch (e) {
      throw new TemplateError(
        `regex_replace: invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`,
      );
    }
    const groups = compileLineRegExp(new RegExp(t.source, t.flags), 'regex_replace').groups;
    hit = { re: new RegExp(t.source, `${t.flags}g`), groups };
    if (compiled.size > 1000) compiled.clear();
    compiled.set(key, hit);
  }
  return hit;
}

/** Ansible's regex_replace: Python's re.sub over the whole text. */
function regexReplace(v: unknown, pattern: unknown, replacement: unknown = '', ...flags: unknown[]): string {
  const text = pyStr(defined(v));
  const [ignorecase, multiline] = flags;
  const { re, groups } = compileSub(String(pattern), `${truthy(ignorecase) ? 'i' : ''}${truthy(multiline) ? 'm' : ''}`);
  return text.replace(re, (...args: unknown[]) => {
    const named =
      typeof args[args.length - 1] === 'object' ? (args[args.length - 1] as Record<string, string>) : undefined;
    const m = args.slice(0, groups + 1) as unknown as RegExpExecArray;
    if (named) m.groups = named;
    return expandTemplate(String(replacement), m, groups, 'regex_replace');
  });
}

type Filter = (v: unknown, ...args: unknown[]) => unknown;

/** Filters drover renders (Jinja2's builtins and Ansible's), by name; any other filter is refused at load. */
export const FILTERS: Record<string, Filter> = {
  default: (v, dflt = '', boolean = false) => (v instanceof Undefined || (truthy(boolean) && !truthy(v)) ? dflt : v),
  lower: (v) => str(v, 'lower').toLowerCase(),
  upper: (v) => str(v, 'upper').toUpperCase(),
  capitalize: (v) => {
    const s = str(v, 'capitalize');
    return s.slice(0, 1).toUpperCase() + s.slice(1).toLowerCase();
  },
  trim: (v) => str(v, 'trim').trim(),
  string: (v) => pyStr(defined(v)),
  join: (v, sep = '') => {
    const x = defined(v);
    const items = Array.isArray(x) ? x : typeof x === 'string' ? [...x] : Object.keys(x as object);
    return items.map(pyStr).join(pyStr(sep));
  },
  int: intFilter,
  float: floatFilter,
  bool: boolFilter,
  replace: (v, old, neu, count = -1) => {
    const [s, a, b] = [pyStr(defined(v)), pyStr(old), pyStr(neu)];
    const parts = s.split(a);
    const n = Number(count) < 0 ? parts.length - 1 : Math.min(Number(count), parts.length - 1);
    return parts.slice(0, n + 1).join(b) + (n + 1 < parts.length ? a + parts.slice(n + 1).join(a) : '');
  },
  regex_replace: regexReplace,
  ternary: (v, yes, no, none = null) => (v === null && none !== null ? none : truthy(v) ? yes : no),
  length: (v) => {
    const x = defined(v);
    return typeof x === 'string' ? [...x].length : Array.isArray(x) ? x.length : Object.keys(x as object).length;
  },
  first: (v) => (defined(v) as unknown[])[0],
  last: (v) => (defined(v) as unknown[]).at(-1),
  list: (v) => {
    const x = defined(v);
    return Array.isArray(x) ? x : typeof x === 'string' ? [...x] : Object.keys(x as object);
  },
  unique: (v) => {
    // Python's equality: 1 and 1.0 are one item.
    const seen = new Set<unknown>();
    return (defined(v) as unknown[]).filter((x) => !seen.has(numberOf(x)) && Boolean(seen.add(numberOf(x))));
  },
  basename: (v) => str(v, 'basename').slice(str(v, 'basename').lastIndexOf('/') + 1),
  dirname: (v) => posixDirname(str(v, 'dirname')),
  split: (v, sep = null) => {
    const s = str(v, 'split');
    return sep === null ? s.split(/\s+/).filter(Boolean) : s.split(pyStr(sep));
  },
  mandatory: (v) => defined(v),
};
FILTERS.d = FILTERS.default;
FILTERS.count = FILTERS.length;

/** Jinja tests drover supports (`x is defined`); any other is refused at load. */
export const TESTS = new Set(['defined', 'undefined', 'none', 'string', 'number', 'boolean', 'mapping', 'sequence']);

/** Methods of strings that may be called (`x.split(',')`), with Python's semantics; other calls are refused at load. */
export const STRING_METHODS: Record<string, (s: string, ...args: unknown[]) => unknown> = {
  split: (s, sep = null, max = -1) => {
    if (sep === null) return s.trim().split(/\s+/).filter(Boolean);
    const parts = s.split(pyStr(sep));
    const m = Number(max);
    return m >= 0 && parts.length > m + 1 ? [...parts.slice(0, m), parts.slice(m).join(pyStr(sep))] : parts;
  },
  strip: (s, chars = null) => (chars === null ? s.trim() : stripChars(s, pyStr(chars), true, true)),
  lstrip: (s, chars = null) => (chars === null ? s.trimStart() : stripChars(s, pyStr(chars), true, false)),
  rstrip: (s, chars = null) => (chars === null ? s.trimEnd() : stripChars(s, pyStr(chars), false, true)),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  startswith: (s, p) => s.startsWith(pyStr(p)),
  endswith: (s, p) => s.endsWith(pyStr(p)),
  replace: (s, a, b) => s.split(pyStr(a)).join(pyStr(b)),
};

function stripChars(s: string, chars: string, left: boolean, right: boolean): string {
  let a = 0;
  let b = s.length;
  while (left && a < b && chars.includes(s[a])) a++;
  while (right && b > a && chars.includes(s[b - 1])) b--;
  return s.slice(a, b);
}
