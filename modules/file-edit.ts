// Pure text edits for sysfile: Ansible lineinfile/blockinfile semantics ported line for line, no I/O.

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

/** Remove every line matching `regexp`, containing `searchString`, or equal to `line` (state=absent). */
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

/**
 * Compiles a user regexp. Python's `$` also matches before a final newline; JS's does not, so
 * lines are matched without their terminator (see `matchLine`), which gives the same answers
 * for the patterns people write.
 */
export function compileRegExp(re: string | RegExp, what: string): RegExp {
  if (re instanceof RegExp) return new RegExp(re.source, re.flags.replace(/[gy]/g, ''));
  try {
    return new RegExp(re);
  } catch (err) {
    throw new Error(`${what}: invalid regular expression ${JSON.stringify(re)}: ${(err as Error).message}`);
  }
}

function matchLine(re: RegExp, line: string): RegExpExecArray | null {
  // Only the '\n' goes: Python's `$` matches before a final '\n' but not before '\r\n'.
  return re.exec(line.endsWith('\n') ? line.slice(0, -1) : line);
}

/**
 * Expands a Python `match.expand` template: `\1`..`\99`, `\g<1>`, `\g<name>`, `\\`, `\n`, `\t`, `\r`.
 * Unmatched groups give ''. An unknown escape of a letter is an error, as in Python.
 */
export function expandBackrefs(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '\\' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    const n = template[i + 1];
    if (/[0-9]/.test(n)) {
      let digits = n;
      if (i + 2 < template.length && /[0-9]/.test(template[i + 2])) digits += template[i + 2];
      const idx = Number(digits);
      if (idx >= m.length) throw new Error(`backrefs: the line refers to group ${idx}, the regexp has ${m.length - 1}`);
      out += m[idx] ?? '';
      i += digits.length;
    } else if (n === 'g') {
      const close = template.indexOf('>', i + 3);
      if (template[i + 2] !== '<' || close < 0) throw new Error(`backrefs: bad \\g reference at offset ${i} in the line`);
      const ref = template.slice(i + 3, close);
      let val: string | undefined;
      if (/^[0-9]+$/.test(ref)) {
        const idx = Number(ref);
        if (idx >= m.length) throw new Error(`backrefs: the line refers to group ${idx}, the regexp has ${m.length - 1}`);
        val = m[idx];
      } else {
        if (!m.groups || !(ref in m.groups)) throw new Error(`backrefs: the line refers to unknown group name ${JSON.stringify(ref)}`);
        val = m.groups[ref];
      }
      out += val ?? '';
      i = close;
    } else if (n === '\\') {
      out += '\\';
      i++;
    } else if (n === 'n' || n === 't' || n === 'r' || n === 'f' || n === 'v' || n === 'a' || n === 'b') {
      out += ({ n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b' } as Record<string, string>)[n];
      i++;
    } else if (/[A-Za-z]/.test(n)) {
      throw new Error(`backrefs: bad escape \\${n} in the line`);
    } else {
      out += c; // Python keeps unknown non-letter escapes as written
    }
  }
  return out;
}

function isSpecial(v: string | RegExp | undefined, ...names: string[]): boolean {
  return typeof v === 'string' && names.includes(v);
}

/** Ansible lineinfile state=present on `content` (null = file missing; the caller handles `create`). */
export function lineInFile(content: string | null, o: LinePresentOptions): EditResult {
  if (o.insertAfter !== undefined && o.insertBefore !== undefined) throw new Error('lineinfile: insertAfter and insertBefore are mutually exclusive');
  if (o.regexp !== undefined && o.searchString !== undefined) throw new Error('lineinfile: regexp and searchString are mutually exclusive');
  if (o.backrefs && o.regexp === undefined) throw new Error('lineinfile: backrefs needs a regexp');
  const lines = content === null ? [] : splitLinesKeepEnds(content);
  const line = o.line;
  const sep = '\n';
  const reM = o.regexp !== undefined ? compileRegExp(o.regexp, 'regexp') : undefined;
  let reIns: RegExp | undefined;
  const insertAfter = o.insertAfter;
  const insertBefore = o.insertBefore;
  if (insertAfter !== undefined && !isSpecial(insertAfter, 'BOF', 'EOF')) reIns = compileRegExp(insertAfter, 'insertAfter');
  else if (insertBefore !== undefined && !isSpecial(insertBefore, 'BOF')) reIns = compileRegExp(insertBefore, 'insertBefore');

  // index[0]: line matched by regexp/searchString/exact line; index[1]: insertion point.
  const index = [-1, -1];
  let match: RegExpExecArray | true | null = null;
  let exactLineMatch = false;

  if (reM) {
    for (let i = 0; i < lines.length; i++) {
      const m = matchLine(reM, lines[i]);
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
      } else if (reIns && matchLine(reIns, lines[i])) {
        if (insertAfter !== undefined) {
          index[1] = i + 1;
          if (o.firstMatch) break;
        }
        if (insertBefore !== undefined) {
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
    let newLine = o.backrefs && match && match !== true ? expandBackrefs(line, match) : line;
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
  } else if (insertAfter !== undefined && index[1] !== -1) {
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
  const given = [o.line, o.regexp, o.searchString].filter((x) => x !== undefined).length;
  if (given !== 1) throw new Error('lineinfile absent: give exactly one of line, regexp, searchString');
  if (content === null) return { content: null, changed: false, message: 'file not present', removed: 0 };
  const re = o.regexp !== undefined ? compileRegExp(o.regexp, 'regexp') : undefined;
  const lines = splitLinesKeepEnds(content);
  const kept = lines.filter((l) => {
    if (re) return !matchLine(re, l);
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
  if (o.insertAfter !== undefined && o.insertBefore !== undefined) throw new Error('blockinfile: insertAfter and insertBefore are mutually exclusive');
  if (!o.marker.includes('{mark}')) throw new Error(`blockinfile: marker ${JSON.stringify(o.marker)} must contain {mark}`);
  const sep = '\n';
  const present = (o.state ?? 'present') === 'present';
  if (!present && content === null) return { content: null, changed: false, message: 'File not present' };
  const original = content;
  const lines = content === null ? [] : splitLinesUniversal(content);
  let insertAfter = o.insertAfter;
  const insertBefore = o.insertBefore;
  if (insertBefore === undefined && insertAfter === undefined) insertAfter = 'EOF';
  let insertRe: RegExp | undefined;
  if (insertAfter !== undefined && !isSpecial(insertAfter, 'EOF')) insertRe = compileRegExp(insertAfter, 'insertAfter');
  else if (insertBefore !== undefined && !isSpecial(insertBefore, 'BOF')) insertRe = compileRegExp(insertBefore, 'insertBefore');

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
        const m = new RegExp(insertRe.source, insertRe.flags).exec(text);
        if (m) {
          const upto = insertAfter !== undefined ? m.index + m[0].length : m.index;
          n0 = (text.slice(0, upto).match(/\n/g) ?? []).length;
        }
      } else {
        lines.forEach((l, i) => {
          if (matchLine(insertRe!, l)) n0 = i;
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
  if (original === result || (original === null && result === '' && !present)) return { content: original, changed: false, message: '' };
  const message = original === null ? 'File created' : blockLines.length === 0 ? 'Block removed' : 'Block inserted';
  return { content: result, changed: true, message };
}

/** The marker template sysfile uses: `<prefix> {mark} drover <name>`. */
export function droverMarker(name: string, prefix = '#'): string {
  if (/[\r\n]/.test(name) || /[\r\n]/.test(prefix)) throw new Error('block marker name and prefix must be one line');
  return `${prefix} {mark} drover ${name}`;
}
