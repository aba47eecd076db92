// Pure editing of lvm.conf's devices/global_filter: reject patterns before any accept entry, nothing else touched.

export interface FilterSetting {
  /** Offsets of the whole `global_filter = [ ... ]` text in the file. */
  start: number;
  end: number;
  entries: string[];
  indent: string;
}

/** Offset ranges of top-level sections (`devices {` ... `}`), skipping comments and strings. */
function findSection(text: string, name: string): { bodyStart: number; bodyEnd: number } | undefined {
  let i = 0;
  let depth = 0;
  let openAt = -1;
  const re = new RegExp(`^${name}\\s*\\{`);
  while (i < text.length) {
    const c = text[i];
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    if (c === '"') {
      const close = text.indexOf('"', i + 1);
      i = close < 0 ? text.length : close + 1;
      continue;
    }
    if (
      c === name[0] &&
      depth === 0 &&
      openAt < 0 &&
      (i === 0 || /\s/.test(text[i - 1])) &&
      re.test(text.slice(i, i + name.length + 40))
    ) {
      const brace = text.indexOf('{', i);
      openAt = brace;
      depth = 1;
      i = brace + 1;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0 && openAt >= 0) return { bodyStart: openAt + 1, bodyEnd: i };
    }
    i++;
  }
  return undefined;
}

/** The uncommented global_filter setting inside `devices { }`, if any. */
export function findGlobalFilter(text: string): FilterSetting | undefined {
  const sec = findSection(text, 'devices');
  if (!sec) return undefined;
  const body = text.slice(sec.bodyStart, sec.bodyEnd);
  const re = /^([ \t]*)global_filter[ \t]*=[ \t]*/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    const start = sec.bodyStart + m.index;
    let i = sec.bodyStart + m.index + m[0].length;
    const entries: string[] = [];
    if (text[i] === '"') {
      // A single string is allowed too: global_filter = "r|x|"
      const close = text.indexOf('"', i + 1);
      entries.push(text.slice(i + 1, close));
      return { start: start + m[1].length, end: close + 1, entries, indent: m[1] };
    }
    if (text[i] !== '[') continue;
    i++;
    while (i < sec.bodyEnd && text[i] !== ']') {
      const c = text[i];
      if (c === '#') {
        i = text.indexOf('\n', i);
        continue;
      }
      if (c === '"') {
        const close = text.indexOf('"', i + 1);
        entries.push(text.slice(i + 1, close));
        i = close + 1;
        continue;
      }
      i++;
    }
    return { start: start + m[1].length, end: i + 1, entries, indent: m[1] };
  }
  return undefined;
}

/**
 * `r|pattern|` for a regex. Refuses a pattern holding the delimiter, a quote or a control character
 * (it would end the entry or break lvm.conf), and an empty one: `r||` matches every device, and LVM
 * would then see no PV at all.
 */
export function rejectEntry(pattern: string): string {
  if (typeof pattern !== 'string' || pattern === '')
    throw new Error(`filter pattern must be a non-empty regex, got ${JSON.stringify(pattern)}`);
  if (pattern.includes('|') || pattern.includes('"'))
    throw new Error(`filter pattern "${pattern}" must not contain | or "`);
  if (/[\x00-\x1f\x7f]/.test(pattern))
    throw new Error(`filter pattern ${JSON.stringify(pattern)} must not contain control characters`);
  return `r|${pattern}|`;
}

function isAccept(entry: string): boolean {
  return entry.startsWith('a');
}

/** Entries with each reject present before the first accept entry (first match wins in LVM). */
export function wantedEntries(entries: readonly string[], reject: readonly string[]): string[] {
  const wanted = reject.map(rejectEntry);
  const firstAccept = entries.findIndex(isAccept);
  const okAlready = (w: string) => {
    const i = entries.indexOf(w);
    return i >= 0 && (firstAccept < 0 || i < firstAccept);
  };
  if (wanted.every(okAlready)) return [...entries];
  const missing = wanted.filter((w) => !okAlready(w));
  const rest = entries.filter((e) => !missing.includes(e));
  const at = rest.findIndex(isAccept);
  const pos = at < 0 ? rest.length : at;
  return [...rest.slice(0, pos), ...missing, ...rest.slice(pos)];
}

function render(entries: readonly string[]): string {
  return `global_filter = [ ${entries.map((e) => `"${e}"`).join(', ')} ]`;
}

/**
 * lvm.conf text with global_filter rejecting the patterns; returns the input unchanged when it already does.
 * Only the global_filter setting changes: a new one goes right after `devices {` (with an accept-all at the end,
 * as LVM's documented form), or in a new devices section at the end of the file.
 */
export function ensureGlobalFilter(text: string, reject: readonly string[]): string {
  if (reject.length === 0) return text;
  const cur = findGlobalFilter(text);
  if (cur) {
    const next = wantedEntries(cur.entries, reject);
    if (next.length === cur.entries.length && next.every((e, i) => e === cur.entries[i])) return text;
    return text.slice(0, cur.start) + render(next) + text.slice(cur.end);
  }
  const line = render([...reject.map(rejectEntry), 'a|.*|']);
  const sec = findSection(text, 'devices');
  if (sec) {
    const nl = text.indexOf('\n', sec.bodyStart - 1);
    const at = nl < 0 ? sec.bodyStart : nl + 1;
    return text.slice(0, at) + `\t${line}\n` + text.slice(at);
  }
  return text + (text === '' || text.endsWith('\n') ? '' : '\n') + `devices {\n\t${line}\n}\n`;
}
