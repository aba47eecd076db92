// Pure text edits for sysfile: Ansible lineinfile/blockinfile semantics ported line for line, no I/O.
import { compileLineRegExp, expandTemplate, type LineRegExp } from './python-regex.ts';

/** What an edit produced: the new content (null = the file stays absent) and Ansible's message. */
export interface EditResult {
  content: string | null;
  changed: boolean;
  /** Ansible's wording: 'line added', 'line replaced', '2 line(s) removed', 'Block inserted', ... */
  message: string;
}

/**
 * Ensure a line is present (Ansible lineinfile, state=present).
 * `regexp` replaces the LAST matching line (the first with `firstMatch`); when nothing matches the
 * line is inserted per insertAfter/insertBefore (EOF by default), unless it is already present
 * somewhere exactly. With `backrefs` the line is a replacement template (`\1`, `\g<name>`) and no
 * match means no change.
 * Patterns (regexp, insertAfter, insertBefore): a string is read in Python's syntax as Ansible does
 * (`(?P<name>…)`, `(?i)`, `\Z`), a RegExp in JavaScript's; either way `.`, `$` and `^` answer as
 * Python's on each line with its terminator (see python-regex.ts).
 */
export interface LinePresentOptions {
  line: string;
  regexp?: string | RegExp;
  /** A literal substring instead of a regexp (Ansible search_string). */
  searchString?: string;
  backrefs?: boolean;
  /** A regexp, 'EOF' or 'BOF'. */
  insertAfter?: string | RegExp;
  /** A regexp or 'BOF'. */
  insertBefore?: string | RegExp;
  firstMatch?: boolean;
}

/**
 * Remove every line matching `regexp`, else containing `searchString`, else equal to `line` (state=absent).
 * `line` given with `regexp` or `searchString` is not used (Ansible's precedence).
 */
export interface LineAbsentOptions {
  line?: string;
  regexp?: string | RegExp;
  searchString?: string;
}

export interface BlockOptions {
  /** The block text; '' or undefined with state 'absent' removes the block. */
  block?: string;
  state?: 'present' | 'absent';
  /** Marker line with `{mark}` replaced by BEGIN/END, e.g. '# {mark} drover ntp'. */
  marker: string;
  markerBegin?: string;
  markerEnd?: string;
  /** A regexp or 'EOF' (default). */
  insertAfter?: string | RegExp;
  /** A regexp or 'BOF'. */
  insertBefore?: string | RegExp;
}

/** Splits like Python's `readlines()`: on '\n' only, each line keeps its terminator. */
export function splitLinesKeepEnds(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const i = text.indexOf('\n', start);
    if (i < 0) break;
    out.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** Splits like Python's `bytes.splitlines(True)`: on '\r\n', '\r' or '\n', keeping terminators (blockinfile). */
export function splitLinesUniversal(text: string): string[] {
  const out: string[] = [];
  const re = /\r\n|\r|\n/g;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push(text.slice(start, m.index + m[0].length));
    start = m.index + m[0].length;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** The line without its terminator ('\r\n' or '\n'), as Python's rstrip(b'\r\n') does. */
function stripEol(line: string): string {
  return line.replace(/[\r\n]+$/, '');
}

function endsWithEol(line: string): boolean {
  return line.endsWith('\n') || line.endsWith('\r');
}

// Patterns match like Ansible's: `re.search` on each line WITH its terminator (`readlines()` keeps it),
// translated so that `.`, `$` and `^` answer as Python's do (see python-regex.ts).

function isSpecial(v: string | RegExp | undefined, ...names: string[]): boolean {
  return typeof v === 'string' && names.includes(v);
}

/** Ansible lineinfile state=present on `content` (null = file missing; the caller handles `create`). */
export function lineInFile(content: string | null, o: LinePresentOptions): EditResult {
  if (o.insertAfter !== undefined && o.insertBefore !== undefined)
    throw new Error('lineinfile: insertAfter and insertBefore are mutually exclusive');
  if (o.regexp !== undefined && o.searchString !== undefined)
    throw new Error('lineinfile: regexp and searchString are mutually exclusive');
  if (o.backrefs && o.regexp === undefined) throw new Error('lineinfile: backrefs needs a regexp');
  const lines = content === null ? [] : splitLinesKeepEnds(content);
  const line = o.line;
  const sep = '\n';
  const reM = o.regexp !== undefined ? compileLineRegExp(o.regexp, 'regexp') : undefined;
  let reIns: LineRegExp | undefined;
  const insertAfter = o.insertAfter;
  const insertBefore = o.insertBefore;
  if (insertAfter !== undefined && !isSpecial(insertAfter, 'BOF', 'EOF'))
    reIns = compileLineRegExp(insertAfter, 'insertAfter');
  else if (insertBefore !== undefined && !isSpecial(insertBefore, 'BOF'))
    reIns = compileLineRegExp(insertBefore, 'insertBefore');

  // index[0]: line matched by regexp/searchString/exact line; index[1]: insertion point.
  const index = [-1, -1];
  let match: RegExpExecArray | true | null = null;
  let exactLineMatch = false;

  if (reM) {
    for (let i = 0; i < lines.length; i++) {
      const m = reM.exec(lines[i]);
      if (m) {
        index[0] = i;
        match = m;
        if (o.firstMatch) break;
      }
    }
  }
  if (o.searchString !== undefined) {
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].includes(o.searchString)) {
        index[0] = i;
        match = true;
        if (o.firstMatch) break;
      }
    }
  }
  if (!match) {
    for (let i = 0; i < lines.length; i++) {
      if (line === stripEol(lines[i])) {
        index[0] = i;
        exactLineMatch = true;
      } else if (reIns?.exec(lines[i])) {
        // Python truthiness, as Ansible: an empty insertAfter/insertBefore places nothing
        if (insertAfter) {
          index[1] = i + 1;
          if (o.firstMatch) break;
        }
        if (insertBefore) {
          index[1] = i;
          if (o.firstMatch) break;
        }
      }
    }
  }

  let msg = '';
  let changed = false;
  const withSep = (l: string) => l + sep;
  if (index[0] !== -1) {
    let newLine = o.backrefs && reM && match && match !== true ? expandTemplate(line, match, reM.groups) : line;
    if (!newLine.endsWith(sep)) newLine += sep;
    if (o.regexp === undefined && o.searchString === undefined && !match && !exactLineMatch) {
      // unreachable in practice (index[0] is only set by a match), kept to mirror Ansible's structure
    } else if (lines[index[0]] !== newLine) {
      lines[index[0]] = newLine;
      msg = 'line replaced';
      changed = true;
    }
  } else if (o.backrefs) {
    // Without a match there is nothing to fill the backrefs from: Ansible does nothing.
  } else if (isSpecial(insertBefore, 'BOF') || isSpecial(insertAfter, 'BOF')) {
    lines.unshift(withSep(line));
    msg = 'line added';
    changed = true;
  } else if (isSpecial(insertAfter, 'EOF') || index[1] === -1) {
    if (lines.length && !endsWithEol(lines[lines.length - 1])) lines.push(sep);
    lines.push(withSep(line));
    msg = 'line added';
    changed = true;
  } else if (insertAfter && index[1] !== -1) {
    if (lines.length === index[1]) {
      if (stripEol(lines[index[1] - 1]) !== line) {
        // Ansible appends right after a last line that may lack its newline; keep that exact behaviour
        // but never glue two lines together.
        if (!endsWithEol(lines[lines.length - 1])) lines[lines.length - 1] += sep;
        lines.push(withSep(line));
        msg = 'line added';
        changed = true;
      }
    } else if (line !== stripEol(lines[index[1]])) {
      lines.splice(index[1], 0, withSep(line));
      msg = 'line added';
      changed = true;
    }
  } else {
    lines.splice(index[1], 0, withSep(line));
    msg = 'line added';
    changed = true;
  }
  if (!changed) return { content, changed: false, message: '' };
  return { content: lines.join(''), changed, message: msg };
}

/** Ansible lineinfile state=absent: removes every matching line. A missing file stays missing. */
export function lineAbsent(content: string | null, o: LineAbsentOptions): EditResult & { removed: number } {
  // As Ansible: regexp wins over searchString, which wins over line (line may come along unused).
  if (o.regexp !== undefined && o.searchString !== undefined)
    throw new Error('lineinfile absent: regexp and searchString are mutually exclusive');
  if (o.line === undefined && o.regexp === undefined && o.searchString === undefined)
    throw new Error('lineinfile absent: give one of line, regexp, searchString');
  if (content === null) return { content: null, changed: false, message: 'file not present', removed: 0 };
  const re = o.regexp !== undefined ? compileLineRegExp(o.regexp, 'regexp') : undefined;
  const lines = splitLinesKeepEnds(content);
  const kept = lines.filter((l) => {
    if (re) return !re.exec(l);
    if (o.searchString !== undefined) return !l.includes(o.searchString);
    return o.line !== stripEol(l);
  });
  const removed = lines.length - kept.length;
  if (removed === 0) return { content, changed: false, message: '', removed: 0 };
  return { content: kept.join(''), changed: true, message: `${removed} line(s) removed`, removed };
}

/**
 * Ansible blockinfile: the block between marker lines is replaced as a unit; placed per
 * insertAfter/insertBefore (last matching line; a regexp with the `m` flag searches the whole file)
 * when the markers are not there yet; state 'absent' or an empty block removes it.
 */
export function blockInFile(content: string | null, o: BlockOptions): EditResult {
  if (o.insertAfter !== undefined && o.insertBefore !== undefined)
    throw new Error('blockinfile: insertAfter and insertBefore are mutually exclusive');
  if (!o.marker.includes('{mark}'))
    throw new Error(`blockinfile: marker ${JSON.stringify(o.marker)} must contain {mark}`);
  const sep = '\n';
  const present = (o.state ?? 'present') === 'present';
  if (!present && content === null) return { content: null, changed: false, message: 'File not present' };
  const original = content;
  const lines = content === null ? [] : splitLinesUniversal(content);
  let insertAfter = o.insertAfter;
  const insertBefore = o.insertBefore;
  if (insertBefore === undefined && insertAfter === undefined) insertAfter = 'EOF';
  let insertRe: LineRegExp | undefined;
  if (insertAfter !== undefined && !isSpecial(insertAfter, 'EOF'))
    insertRe = compileLineRegExp(insertAfter, 'insertAfter');
  else if (insertBefore !== undefined && !isSpecial(insertBefore, 'BOF'))
    insertRe = compileLineRegExp(insertBefore, 'insertBefore');

  const marker0 = o.marker.split('{mark}').join(o.markerBegin ?? 'BEGIN') + sep;
  const marker1 = o.marker.split('{mark}').join(o.markerEnd ?? 'END') + sep;
  let block = o.block ?? '';
  let blockLines: string[] = [];
  if (present && block) {
    if (!block.endsWith(sep)) block += sep;
    blockLines = [marker0, ...splitLinesUniversal(block), marker1];
  }

  let n0: number | null = null;
  let n1: number | null = null;
  lines.forEach((l, i) => {
    if (l === marker0) n0 = i;
    if (l === marker1) n1 = i;
  });

  if (n0 === null || n1 === null) {
    n0 = null;
    if (insertRe) {
      if (insertRe.multiline) {
        const text = original ?? '';
        const m = insertRe.exec(text);
        if (m) {
          const upto = insertAfter !== undefined ? m.index + m[0].length : m.index;
          n0 = (text.slice(0, upto).match(/\n/g) ?? []).length;
        }
      } else {
        lines.forEach((l, i) => {
          if (insertRe!.exec(l)) n0 = i;
        });
      }
      if (n0 === null) n0 = lines.length;
      else if (insertAfter !== undefined) n0 += 1;
    } else if (insertBefore !== undefined) {
      n0 = 0;
    } else {
      n0 = lines.length;
    }
  } else if (n0 < n1) {
    lines.splice(n0, n1 - n0 + 1);
  } else {
    lines.splice(n1, n0 - n1 + 1);
    n0 = n1;
  }
  const at: number = n0;
  if (at > 0 && !lines[at - 1].endsWith(sep)) lines[at - 1] += sep;
  lines.splice(at, 0, ...blockLines);
  const result = lines.join('');
  if (original === result || (original === null && result === '' && !present))
    return { content: original, changed: false, message: '' };
  const message = original === null ? 'File created' : blockLines.length === 0 ? 'Block removed' : 'Block inserted';
  return { content: result, changed: true, message };
}

/** The marker template sysfile uses: `<prefix> {mark} drover <name>`. */
export function droverMarker(name: string, prefix = '#'): string {
  if (/[\r\n]/.test(name) || /[\r\n]/.test(prefix)) throw new Error('block marker name and prefix must be one line');
  return `${prefix} {mark} drover ${name}`;
}
