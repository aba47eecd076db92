// Ansible-compatible regexes for line/block edits: a JavaScript RegExp that answers like Python's `re`
// on each line (`.`, `$`, `^`, `\A`, `\Z`, `(?P<name>)`, leading `(?ims)`), and Python's `match.expand`.
// Pure: no I/O.

/**
 * A compiled user pattern that names its parameter in every error. Why a wrapper: V8 compiles a
 * RegExp lazily, so "Regular expression too large" or "Stack overflow" can surface at the first
 * `exec`, long after `new RegExp` succeeded.
 */
export class LineRegExp {
  readonly re: RegExp;
  /** The parameter it came from: regexp, insertAfter, insertBefore. */
  readonly param: string;
  /** The pattern as the user wrote it (errors quote an excerpt of it). */
  readonly pattern: string;
  /** The number of capturing groups (for `\N` references in a backrefs template). */
  readonly groups: number;
  constructor(re: RegExp, param: string, pattern: string) {
    this.re = re;
    this.param = param;
    this.pattern = pattern;
    try {
      re.exec(''); // V8 compiles lazily: make a too-large pattern fail here, not mid-edit
      this.groups = countGroups(re);
    } catch (err) {
      throw regexError(param, pattern, err);
    }
  }
  /** Searches `text` (Python's `re.search`): an error names the parameter and quotes the pattern briefly. */
  exec(text: string): RegExpExecArray | null {
    try {
      this.re.lastIndex = 0;
      return this.re.exec(text);
    } catch (err) {
      throw regexError(this.param, this.pattern, err);
    }
  }
  get multiline(): boolean {
    return this.re.multiline;
  }
}

function countGroups(re: RegExp): number {
  return new RegExp(`(?:${re.source})|`, re.flags.replace(/[gy]/g, '')).exec('')!.length - 1;
}

/** A short, printable excerpt of a pattern: whole when short, else its start and its length. */
export function excerpt(pattern: string, max = 60): string {
  if (pattern.length <= max) return JSON.stringify(pattern);
  return `${JSON.stringify(pattern.slice(0, max))}… (${pattern.length} characters)`;
}

/** "regexp: invalid regular expression "(((…" (100000 characters): Too many captures" — never the whole pattern. */
export function regexError(param: string, pattern: string, err: unknown): Error {
  const msg = err instanceof Error ? err.message : String(err);
  // V8: "Invalid regular expression: /<source>/<flags>: <problem>"; the source may be huge: keep the problem only.
  const m = /^Invalid regular expression: \/[\s\S]*\/[a-z]*: ([^/:]*)$/.exec(msg);
  let problem = m ? m[1] : msg;
  if (problem.length > 200) problem = problem.slice(0, 200) + '…';
  return new Error(`${param}: invalid regular expression ${excerpt(pattern)}: ${problem}`, { cause: err });
}

/** Python `re` escapes of ASCII letters that mean something; any other letter escape is an error there. */
const PY_LETTER_ESCAPES = new Set([...'abBdDfnrsStvwWAZx']);
/** JavaScript escapes drover also accepts: `\uXXXX`, `\k<name>`, `\cX`. */
const JS_LETTER_EXTRAS = new Set([...'ukc']);
const END = '(?![\\s\\S])';
const START = '(?<![\\s\\S])';

/**
 * Rewrites a pattern so that a JavaScript RegExp matches where Python's `re` does, on one line that
 * keeps its terminator (lineinfile's `readlines()`):
 * - `.` matches anything but `\n` (JavaScript's also refuses `\r`, U+2028, U+2029) unless dotAll;
 * - `$` matches at the end or before a final `\n` (multiline: before any `\n`), never before `\r`;
 * - with multiline, `^` matches after `\n` only;
 * - from Python's syntax (`python`, i.e. a pattern given as a string): `(?P<name>…)`, `(?P=name)`,
 *   `(?#comment)`, leading inline flags `(?i)` `(?m)` `(?s)` `(?a)`, `\A`, `\Z`, `\a`, `{,n}`, a `]`
 *   first in a class is literal, and an unknown escape of a letter (`\z`, `\h`) is an error as in Python.
 */
export function translatePattern(source: string, flags: string, python: boolean): { source: string; flags: string } {
  let i = 0;
  let fl = flags.replace(/[gyd]/g, '');
  if (python) {
    for (let m = /^\(\?([a-zA-Z]+)\)/.exec(source.slice(i)); m; m = /^\(\?([a-zA-Z]+)\)/.exec(source.slice(i))) {
      for (const f of m[1]) {
        if (f === 'i' || f === 'm' || f === 's') {
          if (!fl.includes(f)) fl += f;
        } else if (f !== 'a')
          throw new Error(`Python regex feature: inline flag (?${f}) is not supported (only i, m, s, a)`);
      }
      i += m[0].length;
    }
  }
  const dotAll = fl.includes('s');
  const multi = fl.includes('m');
  const vMode = fl.includes('v');
  let out = '';
  let classDepth = 0;
  // Open groups: where each starts in `out`, and whether it is a lookbehind (see case ')').
  const groups: { start: number; lookbehind: boolean }[] = [];
  // Python refuses a quantifier on an anchor ("nothing to repeat"); the lookarounds `$` and `\Z`
  // become here would take one in JavaScript, and the pattern would mean something Python refuses.
  const noRepeatAfter = (at: number) => {
    if (quantifierAt(source, at + 1, python)) throw new Error(`nothing to repeat at position ${at + 1}`);
  };
  for (; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const n = source[i + 1];
      if (n === undefined) throw new Error('bad escape (end of pattern)');
      i++;
      if (classDepth === 0 && (n === 'b' || n === 'B' || (python && (n === 'A' || n === 'Z')))) noRepeatAfter(i);
      if (python && /[A-Za-z]/.test(n) && !PY_LETTER_ESCAPES.has(n) && !JS_LETTER_EXTRAS.has(n))
        throw new Error(`bad escape \\${n} at position ${i - 1}`);
      // Python refuses `\x` without two hex digits; JavaScript would read it as the letter x.
      if (python && n === 'x' && !/^[0-9a-fA-F]{2}/.test(source.slice(i + 1)))
        throw new Error(`incomplete escape \\x${/^[0-9a-fA-F]?/.exec(source.slice(i + 1))![0]} at position ${i - 1}`);
      if (python && n === 'a') out += '\\x07';
      else if (python && classDepth === 0 && n === 'A') out += START;
      else if (python && classDepth === 0 && n === 'Z') out += END;
      else if (python && classDepth > 0 && (n === 'A' || n === 'Z' || n === 'B'))
        throw new Error(`bad escape \\${n} at position ${i - 1}`);
      else out += c + n;
      continue;
    }
    if (classDepth > 0) {
      if (c === ']') classDepth--;
      else if (c === '[' && vMode) classDepth++;
      out += c;
      continue;
    }
    switch (c) {
      case '[': {
        classDepth = 1;
        out += c;
        if (source[i + 1] === '^') out += source[++i];
        // Python: a ']' right after '[' or '[^' is a literal; in JavaScript '[]' is the empty class.
        if (python && source[i + 1] === ']') {
          out += '\\]';
          i++;
        }
        break;
      }
      case '.':
        out += dotAll ? '.' : '[^\\n]';
        break;
      case '$':
        noRepeatAfter(i);
        out += multi ? '(?![^\\n])' : `(?=\\n?${END})`;
        break;
      case '^':
        noRepeatAfter(i);
        out += multi ? '(?<![^\\n])' : '^';
        break;
      case '(': {
        if (python) refuseUnsupportedGroup(source, i);
        const rest = source.slice(i, i + 4);
        if (!rest.startsWith('(?P=') && !(python && rest.startsWith('(?#'))) {
          groups.push({ start: out.length, lookbehind: rest.startsWith('(?<=') || rest.startsWith('(?<!') });
        }
        if (python && rest.startsWith('(?P<')) {
          out += '(?<';
          i += 3;
        } else if (python && rest.startsWith('(?P=')) {
          const close = source.indexOf(')', i);
          if (close < 0) throw new Error(`missing ), unterminated name at position ${i}`);
          out += `\\k<${source.slice(i + 4, close)}>`;
          i = close;
        } else if (python && rest.startsWith('(?#')) {
          const close = source.indexOf(')', i);
          if (close < 0) throw new Error(`missing ), unterminated comment at position ${i}`);
          i = close;
        } else out += c;
        break;
      }
      case ')': {
        const g = groups.pop();
        out += c;
        // Python repeats a lookbehind (`(?<=x)?`), JavaScript refuses to: the same inside a group
        if (python && g?.lookbehind && quantifierAt(source, i + 1, python))
          out = `${out.slice(0, g.start)}(?:${out.slice(g.start)})`;
        break;
      }
      case '{': {
        // Python reads '{,n}' as '{0,n}'; JavaScript would take it literally.
        const m = python ? /^\{,([0-9]*)\}/.exec(source.slice(i)) : null;
        if (m) {
          out += `{0,${m[1]}}`;
          i += m[0].length - 1;
        } else out += c;
        break;
      }
      default:
        out += c;
    }
  }
  return { source: out, flags: fl };
}

/**
 * Python `re` syntax drover has no JavaScript form for, named in the error (JavaScript would only say
 * "Invalid group"): scoped flags `(?i:...)`, atomic groups `(?>...)`, conditionals `(?(1)a|b)`, and
 * global flags `(?i)` not at the start (Python refuses those too, with its own words).
 */
function refuseUnsupportedGroup(source: string, at: number): void {
  const rest = source.slice(at);
  const scoped = /^\(\?([aiLmsux]*(?:-[imsx]+)?):/.exec(rest);
  if (scoped?.[1]) throw new Error(`Python regex feature (?${scoped[1]}:...) is not supported (at position ${at})`);
  if (rest.startsWith('(?>'))
    throw new Error(`Python regex feature (?>...) (atomic group) is not supported (at position ${at})`);
  if (rest.startsWith('(?('))
    throw new Error(`Python regex feature (?(id)yes|no) (conditional group) is not supported (at position ${at})`);
  if (/^\(\?[aiLmsux]+\)/.test(rest))
    throw new Error(`global flags not at the start of the expression at position ${at}`);
}

/**
 * Whether a quantifier starts at `source[at]`: `*`, `+`, `?` or a `{m,n}` repeat (Python's forms, `{,n}`
 * and `{,}` included; JavaScript's need a first number). Any other `{` is a literal in both.
 */
function quantifierAt(source: string, at: number, python: boolean): boolean {
  const c = source[at];
  if (c === '*' || c === '+' || c === '?') return true;
  if (c !== '{') return false;
  const re = python ? /\{(?:\d+(?:,\d*)?|,\d*)\}/y : /\{\d+(?:,\d*)?\}/y;
  re.lastIndex = at;
  return re.test(source);
}

/**
 * Compiles a user pattern for line matching. A string is read as Python's syntax (Ansible's), a
 * RegExp as JavaScript's (its flags kept, `g`/`y` dropped); either way `.`/`$`/`^` answer as in Python.
 * An invalid pattern throws an error naming `param`, quoting at most 60 characters of it.
 */
export function compileLineRegExp(re: string | RegExp, param: string): LineRegExp {
  const pattern = typeof re === 'string' ? re : re.source;
  if (typeof re !== 'string' && !(re instanceof RegExp))
    throw new Error(`${param} must be a string or a RegExp, got ${typeof re}`);
  let t: { source: string; flags: string };
  try {
    t = typeof re === 'string' ? translatePattern(re, '', true) : translatePattern(re.source, re.flags, false);
  } catch (err) {
    throw regexError(param, pattern, err);
  }
  let compiled: RegExp;
  try {
    compiled = new RegExp(t.source, t.flags);
  } catch (err) {
    throw regexError(param, pattern, err);
  }
  return new LineRegExp(compiled, param, pattern);
}

const TEMPLATE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/**
 * Python's `match.expand(template)` (3.11 `sre_parse.parse_template`): `\1`..`\99` and `\g<n>`,
 * `\g<name>` are groups (an unmatched one gives ''); `\0`, `\0oo` and three octal digits `\ooo`
 * are octal escapes; `\a \b \f \n \r \t \v \\` as in Python strings; an unknown escape of an ASCII
 * letter is an error, any other unknown escape stays as written (backslash included).
 * One deliberate difference: an octal escape above `\177` is refused, because it would put a raw
 * byte in a UTF-8 text file (Ansible writes the byte).
 */
export function expandTemplate(template: string, m: RegExpExecArray, groupCount: number, param = 'line'): string {
  const fail = (what: string, at: number) =>
    new Error(`${param}: ${what} at position ${at} of the backrefs template ${excerpt(template)}`);
  const group = (idx: number, at: number) => {
    if (idx > groupCount)
      throw fail(
        `invalid group reference ${idx} (the regexp has ${groupCount} group${groupCount === 1 ? '' : 's'})`,
        at,
      );
    return m[idx] ?? '';
  };
  const octal = (digits: string, at: number) => {
    const v = parseInt(digits, 8);
    if (v > 0o377) throw fail(`octal escape value \\${digits} outside of range 0-0o377`, at);
    if (v > 0o177)
      throw fail(
        `octal escape \\${digits} is not an ASCII character (drover writes UTF-8 text; give the character itself)`,
        at,
      );
    return String.fromCharCode(v);
  };
  const isOct = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '7';
  const isDig = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '9';
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const at = i;
    const n = template[i + 1];
    if (n === undefined) throw fail('bad escape (end of template)', at);
    i++;
    if (n === 'g') {
      if (template[i + 1] !== '<') throw fail('missing < after \\g', at);
      const close = template.indexOf('>', i + 2);
      if (close < 0) throw fail('missing >, unterminated name', at);
      const name = template.slice(i + 2, close);
      if (name === '') throw fail('missing group name', at);
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        if (!m.groups || !(name in m.groups)) throw fail(`unknown group name ${JSON.stringify(name)}`, at);
        out += m.groups[name] ?? '';
      } else if (/^\s*\+?[0-9]+(?:_[0-9]+)*\s*$/.test(name)) {
        // Python 3.11 reads the name with int(): `\g< 1>`, `\g<+1>` and `\g<1_0>` are groups 1, 1 and 10.
        out += group(Number(name.trim().replace(/[+_]/g, '')), at);
      } else throw fail(`bad character in group name ${JSON.stringify(name)}`, at);
      i = close;
    } else if (n === '0') {
      let digits = '0';
      if (isOct(template[i + 1])) digits += template[++i];
      if (isOct(template[i + 1])) digits += template[++i];
      out += octal(digits, at);
    } else if (isDig(n)) {
      let digits = n;
      if (isDig(template[i + 1])) {
        digits += template[++i];
        if (isOct(n) && isOct(digits[1]) && isOct(template[i + 1])) {
          out += octal(digits + template[++i], at);
          continue;
        }
      }
      out += group(Number(digits), at);
    } else if (n in TEMPLATE_ESCAPES) {
      out += TEMPLATE_ESCAPES[n];
    } else if (/[A-Za-z]/.test(n)) {
      throw fail(`bad escape \\${n}`, at);
    } else {
      out += c + n;
    }
  }
  return out;
}
