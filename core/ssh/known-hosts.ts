// OpenSSH known_hosts: parse (hashed names, [host]:port, patterns, @revoked), verify a host key, record keys.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parsedFileCache } from './parsed-file.ts';

export interface KnownHostEntry {
  file: string;
  /** 1-based line number in `file`. */
  line: number;
  /** The line as written. */
  text: string;
  marker?: 'revoked' | 'cert-authority';
  /** The host field: comma list of patterns, or one hashed `|1|salt|hash` name. */
  hosts: string;
  /** Key type named by the key blob itself (`ssh-ed25519`, `ssh-rsa`, ...). */
  keyType: string;
  key: Buffer;
}

export type Verdict =
  | { kind: 'match'; entry: KnownHostEntry }
  | { kind: 'unknown' }
  | { kind: 'changed'; entry: KnownHostEntry }
  | { kind: 'revoked'; entry: KnownHostEntry };

/** The name known_hosts stores for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's fingerprint format: `SHA256:` + unpadded base64 of the key blob's SHA-256. */
export function fingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** The key type string at the start of an SSH public key blob. */
export function keyBlobType(key: Buffer): string {
  if (key.length < 4) return '';
  const n = key.readUInt32BE(0);
  return n > 0 && n < 64 && key.length >= 4 + n ? key.subarray(4, 4 + n).toString('latin1') : '';
}

/** Parses one known_hosts file's text; lines it cannot read are skipped (as OpenSSH does). */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const fields = t.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return;
    }
    if (fields.length < 3) return;
    const key = Buffer.from(fields[2], 'base64');
    const keyType = keyBlobType(key);
    if (!keyType) return;
    entries.push({ file, line: i + 1, text: line, marker, hosts: fields[0], keyType, key });
  });
  return entries;
}

function globToRegExp(pattern: string): RegExp {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i');
}

// Every connection checks every known_hosts name: plain names compare as strings and wildcard
// patterns compile once, so 50 hosts do not compile thousands of RegExps (bench/analysis.md).
const compiledGlobs = new Map<string, RegExp>();
function globMatches(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === name.toLowerCase();
  let re = compiledGlobs.get(pattern);
  if (!re) compiledGlobs.set(pattern, (re = globToRegExp(pattern)));
  return re.test(name);
}

/** Whether an entry's host field names `host`:`port` (hashed names, wildcards and `!negations` included). */
export function hostFieldMatches(field: string, host: string, port: number): boolean {
  const name = knownHostName(host, port);
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const p of field.split(',')) {
    const negated = p.startsWith('!');
    const pattern = negated ? p.slice(1) : p;
    if (globMatches(pattern, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/**
 * The entries' plain names indexed, so finding a host's entries does not test every entry.
 * Why: every connection looked its host up in every entry (twice), so a run over N hosts whose
 * known_hosts lists them all did O(N²) matches — ~1M at 500 hosts. Hashed names, wildcards and
 * negations cannot be indexed: those entries are still tested one by one.
 */
interface NameIndex {
  byName: Map<string, KnownHostEntry[]>;
  /** Entries that must be tested against each name (hashed, wildcard or negated host fields). */
  scanned: KnownHostEntry[];
  revoked: KnownHostEntry[];
  /** File order, to return matches in the order the files list them. */
  order: Map<KnownHostEntry, number>;
}

const nameIndexes = new WeakMap<readonly KnownHostEntry[], NameIndex>();

function nameIndex(entries: readonly KnownHostEntry[]): NameIndex {
  let index = nameIndexes.get(entries);
  if (index) return index;
  index = { byName: new Map(), scanned: [], revoked: [], order: new Map() };
  entries.forEach((e, i) => {
    index!.order.set(e, i);
    if (e.marker === 'revoked') index!.revoked.push(e);
    if (e.marker) return;
    if (e.hosts.startsWith('|1|') || /[*?!]/.test(e.hosts)) {
      index!.scanned.push(e);
      return;
    }
    for (const name of new Set(e.hosts.split(',').map((n) => n.toLowerCase()))) {
      const list = index!.byName.get(name);
      if (list) list.push(e);
      else index!.byName.set(name, [e]);
    }
  });
  nameIndexes.set(entries, index);
  return index;
}

/** The (unmarked) entries whose host field names host:port, in file order. */
export function entriesNaming(entries: readonly KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const index = nameIndex(entries);
  const plain = index.byName.get(knownHostName(host, port).toLowerCase()) ?? [];
  const scanned = index.scanned.filter((e) => hostFieldMatches(e.hosts, host, port));
  if (!scanned.length) return plain;
  return [...plain, ...scanned].sort((a, b) => index.order.get(a)! - index.order.get(b)!);
}

/** Checks the key a host offered against known_hosts entries (OpenSSH semantics). */
export function verifyHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): Verdict {
  const revoked = nameIndex(entries).revoked.find((e) => e.key.equals(key));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const type = keyBlobType(key);
  const mine = entriesNaming(entries, host, port);
  const same = mine.find((e) => e.key.equals(key));
  if (same) return { kind: 'match', entry: same };
  // A different key of the SAME type is a changed key; a key of a type never recorded is just unknown.
  const changed = mine.find((e) => e.keyType === type);
  if (changed) return { kind: 'changed', entry: changed };
  return { kind: 'unknown' };
}

const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/**
 * Host key algorithms to offer, those of keys already recorded for the host first (as OpenSSH orders
 * them): otherwise a host known by its RSA key would be asked for its ed25519 key and look unknown.
 */
export function hostKeyAlgorithms(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const known = new Set(entriesNaming(entries, host, port).map((e) => e.keyType));
  const algoType = (a: string) => (a.startsWith('rsa-sha2-') ? 'ssh-rsa' : a);
  const first = DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => known.has(algoType(a)));
  return [...first, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))];
}

/** Reads known_hosts files in order; a missing file is empty. */
const parsedKnownHosts = parsedFileCache((data, file) => parseKnownHosts(data.toString('utf8'), file));

// The same files, unchanged, give the same array: its name index (above) is built once per run, not per host.
const loadedKnownHosts = new Map<string, { parts: readonly KnownHostEntry[][]; all: KnownHostEntry[] }>();

export async function loadKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const parts: KnownHostEntry[][] = [];
  for (const f of files) {
    try {
      parts.push(await parsedKnownHosts(f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
  }
  const key = files.join('\0');
  const hit = loadedKnownHosts.get(key);
  if (hit && hit.parts.length === parts.length && hit.parts.every((p, i) => p === parts[i])) return hit.all;
  const all = parts.flat();
  loadedKnownHosts.set(key, { parts, all });
  return all;
}

// Hosts connect in parallel: writes to one file are serialized so none is lost.
const fileLocks = new Map<string, Promise<unknown>>();
function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const prev = fileLocks.get(file) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  fileLocks.set(
    file,
    next.catch(() => undefined),
  );
  return next;
}

async function readOrEmpty(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

/**
 * Keys are recorded only in a regular file (or a new one): `UserKnownHostsFile /dev/null` with accept-new
 * would otherwise have the rename below replace /dev/null — and "recording" into it would accept every
 * key every time. Refusing fails closed.
 */
async function assertRecordable(file: string): Promise<void> {
  const st = await stat(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (st && !st.isFile())
    throw new Error(
      `${file} is not a regular file: keys cannot be recorded there (a known_hosts file like /dev/null keeps nothing)`,
    );
}

/** Writes via a temp file in the same directory + rename: readers never see half a file. */
async function writeAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.drover-${randomBytes(6).toString('hex')}`;
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, file);
}

/** Appends one host key (accept-new): `[host]:port type base64`. */
export function appendKnownHost(file: string, host: string, port: number, key: Buffer): Promise<void> {
  return withFileLock(file, async () => {
    await assertRecordable(file);
    const text = await readOrEmpty(file);
    const line = `${knownHostName(host, port)} ${keyBlobType(key)} ${key.toString('base64')}\n`;
    await writeAtomic(file, text + (text && !text.endsWith('\n') ? '\n' : '') + line);
  });
}

/**
 * Replaces every entry naming host:port (plain or hashed) with `keyLines` ("ssh-ed25519 AAAA... [comment]").
 * Used when a step gives a host new SSH keys on purpose (gnt-node add).
 */
export async function replaceKnownHostKeys(
  file: string,
  host: string,
  port: number,
  keyLines: readonly string[],
): Promise<void> {
  const added = keyLines.map((l) => {
    const [type, b64] = l.trim().split(/\s+/);
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!type || !keyBlobType(key) || keyBlobType(key) !== type)
      throw new Error(`not an OpenSSH public key line: ${JSON.stringify(l)}`);
    return `${knownHostName(host, port)} ${type} ${b64}`;
  });
  return withFileLock(file, async () => {
    await assertRecordable(file);
    const text = await readOrEmpty(file);
    const kept = text.split('\n').filter((line) => {
      const e = parseKnownHosts(line, file)[0];
      return !(e && !e.marker && hostFieldMatches(e.hosts, host, port) && namesOnly(e.hosts));
    });
    while (kept.length && kept[kept.length - 1] === '') kept.pop();
    await writeAtomic(file, [...kept, ...added].map((l) => l + '\n').join(''));
  });
}

/** True when the field is hashed or every name in it is this host (a wildcard line also covers other hosts: keep it). */
function namesOnly(field: string): boolean {
  if (field.startsWith('|1|')) return true;
  return field.split(',').every((p) => !/[*?!]/.test(p));
}
