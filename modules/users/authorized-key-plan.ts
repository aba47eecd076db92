// authorizedKey's pure part: authorized_keys lines parsed (options, type, blob, comment) and the file's new text.

/** One key line of authorized_keys (sshd(8) AUTHORIZED_KEYS FILE FORMAT). */
export interface KeyLine {
  /** The options before the key type, as written ('no-pty,from="10.0.0.0/8"'), or undefined. */
  options?: string;
  type: string;
  /** The base64 key: what identifies a key (the same key with other options or comment is the same key). */
  blob: string;
  comment?: string;
}

const KEY_TYPE =
  /^(ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)(-cert-v01@openssh\.com)?$/;

/** Splits off the options field: up to the first blank outside double quotes (a `\"` stays inside). */
function splitOptions(line: string): [string, string] | undefined {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if ((c === ' ' || c === '\t') && !quoted) return [line.slice(0, i), line.slice(i).trimStart()];
  }
  return undefined;
}

/** A key line, or undefined for a blank line, a comment or a line sshd would not read as a key. */
export function parseKeyLine(raw: string): KeyLine | undefined {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return undefined;
  let options: string | undefined;
  let rest = line;
  const first = line.split(/[ \t]/, 1)[0];
  if (!KEY_TYPE.test(first)) {
    const split = splitOptions(line);
    if (!split) return undefined;
    [options, rest] = split;
  }
  const m = /^(\S+)[ \t]+([A-Za-z0-9+/]+={0,3})(?:[ \t]+(.*))?$/.exec(rest);
  if (!m || !KEY_TYPE.test(m[1])) return undefined;
  return { ...(options ? { options } : {}), type: m[1], blob: m[2], ...(m[3] ? { comment: m[3].trim() } : {}) };
}

export function renderKeyLine(k: KeyLine): string {
  return [k.options, k.type, k.blob, k.comment].filter((x) => x !== undefined && x !== '').join(' ');
}

/**
 * Options as sshd reads them: comma-separated `name` or `name="value"` (a value's `\"` kept); anything
 * else is refused here rather than written into a file sshd would then read differently (or skip).
 */
export function checkKeyOptions(o: string): void {
  if (!/^[A-Za-z0-9-]+(="(?:[^"\\\n]|\\.)*")?(,[A-Za-z0-9-]+(="(?:[^"\\\n]|\\.)*")?)*$/.test(o))
    throw new Error(
      `options: not an authorized_keys options list: ${JSON.stringify(o)} (e.g. 'no-pty,from="10.0.0.0/8"')`,
    );
}

/** The keys a `keys` param gives: every non-blank, non-comment line must be a public key. */
export function wantedKeys(keys: string | readonly string[], options: string | undefined): KeyLine[] {
  const lines = (typeof keys === 'string' ? [keys] : keys).flatMap((k) => k.split('\n'));
  const out: KeyLine[] = [];
  for (const [i, l] of lines.entries()) {
    if (l.trim() === '' || l.trim().startsWith('#')) continue;
    const k = parseKeyLine(l);
    if (!k) throw new Error(`keys: line ${i + 1} is not a public key: ${JSON.stringify(l.slice(0, 60))}`);
    if (options !== undefined) k.options = options === '' ? undefined : options;
    if (k.options === undefined) delete k.options;
    out.push(k);
  }
  if (out.length === 0) throw new Error('keys: no public key given');
  return out;
}

/**
 * The file's new text (pure). present: each wanted key is there with its options and comment — a line
 * with the same key is replaced in place, a new one appended; exclusive: the file is exactly the wanted
 * keys (other keys, comments and blank lines go). absent: lines holding a wanted key are removed.
 */
export function editAuthorizedKeys(
  before: string,
  want: readonly KeyLine[],
  mode: { state: 'present' | 'absent'; exclusive: boolean },
): string {
  const render = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
  if (mode.state === 'present' && mode.exclusive) {
    const seen = new Set<string>();
    return render(want.filter((k) => !seen.has(k.blob) && seen.add(k.blob)).map(renderKeyLine));
  }
  const lines = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const byBlob = new Map(want.map((k) => [k.blob, k]));
  if (mode.state === 'absent') return render(lines.filter((l) => !byBlob.has(parseKeyLine(l)?.blob ?? '')));
  const placed = new Set<string>();
  const out: string[] = [];
  for (const l of lines) {
    const k = parseKeyLine(l);
    const w = k && byBlob.get(k.blob);
    if (!w) out.push(l);
    // The first line of a wanted key becomes the wanted line; a later duplicate of it goes.
    else if (!placed.has(w.blob)) {
      out.push(renderKeyLine(w));
      placed.add(w.blob);
    }
  }
  for (const w of want) if (!placed.has(w.blob)) out.push(renderKeyLine(w)), placed.add(w.blob);
  return render(out);
}
