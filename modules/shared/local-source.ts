// sysfile's `src`: a local file as content, hashed once (memo by identity + size + mtime) and streamed from disk.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { StreamedStdin } from '../../core/transport/transport.ts';

/** A local file whose bytes go to a host: what the probe and the write's checks need, not the bytes. */
export interface LocalFile {
  readonly kind: 'local-file';
  /** The path as given (absolute). */
  path: string;
  size: number;
  sha256: string;
}

export function isLocalFile(v: unknown): v is LocalFile {
  return typeof v === 'object' && v !== null && (v as LocalFile).kind === 'local-file';
}

/** Hashes already made, by path: reused while the file's identity, size and mtime are unchanged. */
const hashes = new Map<string, { key: string; file: LocalFile }>();

/**
 * Stats and hashes `path` (synchronously, 4 MiB at a time: the same file sent to 20 hosts is hashed once,
 * before the first probe). Errors name the path and what is wrong with it.
 */
export function localFile(path: string, where = path): LocalFile {
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new Error(`${where}: src must be an absolute local path, got ${JSON.stringify(path)}`);
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new Error(`${where}: cannot read src ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!st.isFile()) throw new Error(`${where}: src ${path} is not a regular file`);
  const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  const known = hashes.get(path);
  if (known?.key === key) return known.file;
  const h = createHash('sha256');
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new Error(`${where}: cannot read src ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let size = 0;
  try {
    const buf = Buffer.allocUnsafe(4 << 20);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; size += n) h.update(buf.subarray(0, n));
    const after = fstatSync(fd);
    if (after.size !== size || after.mtimeMs !== st.mtimeMs)
      throw new Error(`${where}: src ${path} changed while it was being read`);
  } finally {
    closeSync(fd);
  }
  const file: LocalFile = { kind: 'local-file', path, size, sha256: h.digest('hex') };
  hashes.set(path, { key, file });
  return file;
}

/**
 * The file's bytes as a host's stdin, read from disk as the host takes them (backpressure). Bytes that
 * changed since the hash was made are refused on the host (sha256 check before the rename).
 */
export function streamLocalFile(f: LocalFile): StreamedStdin {
  return { size: f.size, read: () => createReadStream(f.path, { highWaterMark: 1 << 20 }) };
}

/**
 * Content bytes sent to many hosts (a playbook's Buffer, 20 hosts) are copied and hashed once, not once
 * per host: each host's plan gets the same private snapshot while the caller's bytes still equal it (a
 * memcmp, far cheaper than a sha256 on a busy machine), and a snapshot's digests are kept with it.
 * Snapshots are never written to, so a cached digest stays true; the caller may change its own bytes
 * at any time (the next call then takes a new snapshot).
 */
const snapshots = new WeakMap<Uint8Array, Buffer>();
const digests = new WeakMap<Buffer, Map<string, string>>();

export function snapshotBytes(v: Uint8Array): Buffer {
  const known = snapshots.get(v);
  if (known?.equals(v)) return known;
  const copy = Buffer.allocUnsafe(v.byteLength);
  copy.set(v);
  snapshots.set(v, copy);
  digests.set(copy, new Map());
  return copy;
}

/** Hex digest of `b` (sha256, sha1): computed once per snapshot, every time for other bytes. */
export function digestOf(b: Uint8Array, algorithm: 'sha256' | 'sha1' = 'sha256'): string {
  const cache = digests.get(b as Buffer);
  const hit = cache?.get(algorithm);
  if (hit) return hit;
  const d = createHash(algorithm).update(b).digest('hex');
  cache?.set(algorithm, d);
  return d;
}
