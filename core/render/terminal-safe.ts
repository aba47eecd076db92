// Makes text from hosts, inventories and playbooks safe to print on the operator's terminal: control characters become visible escapes.

/**
 * What a terminal would obey instead of showing: C0 controls (ESC starts OSC 52 clipboard writes, title
 * changes, cursor moves; BEL ends OSC; CR overwrites a line), DEL, C1 controls (U+009B is an 8-bit CSI on
 * some terminals), the Arabic letter mark, the bidi marks, embeddings, overrides and isolates (text shown
 * in another order than it is: "Trojan Source"), zero-width space, word joiner and invisible operators,
 * the line/paragraph separators and the BOM. ZWJ/ZWNJ (U+200C/D) are kept: emoji and scripts need them.
 */
const UNSAFE = '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200b\\u200e\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff';
/** The same without TAB, which a block of host output or a diff keeps (columns, Makefiles). */
const UNSAFE_BUT_TAB = UNSAFE.replace('\\u0000-\\u001f', '\\u0000-\\u0008\\u000a-\\u001f');

/**
 * Backslashes are left as they are, so every function here is idempotent: text escaped once (a name in an
 * inventory error) and again where it is printed reads the same, and a file's own `\033[` or `\x1b[` (a
 * .bashrc prompt) shows as written. The price: on screen `\x1b` is either the ESC byte or those four
 * characters; the byte itself never reaches the terminal.
 */
const pattern = (set: string) => new RegExp(`[${set}]`, 'g');
const ALL = pattern(UNSAFE);
const ALL_BUT_TAB = pattern(UNSAFE_BUT_TAB);

/** `\x1b` for a code point up to U+00FF, `\u202e` above: the forms JavaScript and Python read back. */
function escapeOne(s: string): string {
  const code = s.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

function neutralise(text: string, re: RegExp): string {
  re.lastIndex = 0;
  if (!re.test(text)) return text;
  return text.replace(re, escapeOne);
}

/**
 * One line as the terminal may show it: every unsafe character, newline, CR and TAB included, as a visible
 * escape (`\x1b`, `\x0a`, `\x0d`, `\x09`, `\u202e`). For host names, titles, one-line messages, progress rows.
 */
export function safeLine(text: string): string {
  return neutralise(String(text), ALL);
}

/** One line of file content (a diff's): as safeLine, but TAB kept, so indentation and Makefiles read as they are. */
export function safeTabbedLine(text: string): string {
  return neutralise(String(text), ALL_BUT_TAB);
}

/**
 * Text of several lines (a command's output, an error with its stderr tail, file content) as lines the
 * renderer joins itself: split on LF (a CR just before it is part of the line end), TAB kept, every other
 * unsafe character escaped, so a lone CR cannot return to column 0 and overwrite what the renderer printed.
 */
export function safeLines(text: string): string[] {
  return String(text)
    .split('\n')
    .map((line) => neutralise(line.endsWith('\r') ? line.slice(0, -1) : line, ALL_BUT_TAB));
}

/**
 * safeLines joined with a newline and `indent`: every line after the first starts at the indent, so a
 * host's line can never stand at column 0 where the renderer's own lines (host names, ✔/✖, PHASE) stand.
 */
export function safeBlock(text: string, indent: string): string {
  return safeLines(text).join('\n' + indent);
}

const ONE = new RegExp(`[${UNSAFE}]`);

/** The first character safeLine would escape, as its escape (`\x0a`), or undefined: names refuse them outright. */
export function unsafeChar(text: string): string | undefined {
  const m = ONE.exec(text);
  return m ? escapeOne(m[0]) : undefined;
}

/** A record keyed by host names (a recap's stats) with each key made a safeLine, values as they were. */
export function safeKeys<V>(record: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [safeLine(k), v]));
}

/** A record of lines keyed by host names (the recap's stillRunning): keys and every line made safeLines. */
export function safeLineLists(record: Record<string, readonly string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [safeLine(k), v.map(safeLine)]));
}

/** safeLines joined with bare newlines: an error message printed as it is, its control characters escaped. */
export function safeText(text: string): string {
  return safeLines(text).join('\n');
}
