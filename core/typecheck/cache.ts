// The type-check cache: one small JSON per playbook, valid while every file it was checked against is unchanged.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { droverCacheDir } from '../boot/cache-dir.ts';
import { writeFileAtomicSync } from '../boot/write-atomic.ts';
import { DROVER_ROOT } from './compiler-options.ts';
import type { Diagnostic } from './diagnostics.ts';
import { hashFile, type ImportGraph } from './import-graph.ts';

/** Bump when the entry's shape or what goes into the key changes. */
const FORMAT = 2;

/** What a check produced; diagnostics keep absolute paths (the next run may have another cwd). */
export interface CheckOutcome {
  ok: boolean;
  diagnostics: Diagnostic[];
  requiredHostVars: string[];
  requiredPlayVars: string[];
}

/** `outcome` is what was cached: a check's CheckOutcome, or an outline (outline-cache.ts). */
export interface CacheEntry<T = CheckOutcome> {
  format: number;
  key: string;
  playbook: string;
  /** Every non-node_modules (or .ts) file of the checked Program → sha256: re-verified on a hit. */
  files: Record<string, string>;
  outcome: T;
}

/** `$XDG_CACHE_HOME/drover/typecheck`, else `~/.cache/drover/typecheck`: nothing written into the site's tree. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return droverCacheDir('typecheck', env);
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

function packageVersion(file: string): string {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}

/** drover's and ts-morph's (hence TypeScript's and its lib files') versions. */
export function toolVersions(): string {
  const require = createRequire(import.meta.url);
  return `drover@${packageVersion(path.join(DROVER_ROOT, 'package.json'))} ts-morph@${packageVersion(require.resolve('ts-morph/package.json'))}`;
}

/** sha256 over tool versions, compiler options and the content of every file of the import graph. */
export function cacheKey(versions: string, options: unknown, graph: ImportGraph): string {
  const lines = [`format ${FORMAT}`, versions, JSON.stringify(options)];
  for (const [file, hash] of [...graph.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    lines.push(`file ${file} ${hash}`);
  for (const ext of [...graph.externals].sort()) lines.push(`ext ${ext}`);
  return sha256(lines.join('\n'));
}

/** One entry per playbook path, so the cache holds at most one entry per playbook. */
export function entryPath(cacheDir: string, playbook: string): string {
  return path.join(cacheDir, `${sha256(path.resolve(playbook)).slice(0, 32)}.json`);
}

export function readEntry<T = CheckOutcome>(cacheDir: string, playbook: string): CacheEntry<T> | undefined {
  try {
    const entry = JSON.parse(fs.readFileSync(entryPath(cacheDir, playbook), 'utf8')) as CacheEntry<T>;
    return entry.format === FORMAT ? entry : undefined;
  } catch {
    // Missing or damaged: a miss, the check runs again and rewrites it.
    return undefined;
  }
}

/**
 * An entry is fresh when its key matches and each file the Program really used is unchanged; the
 * second test catches anything the fast import walk could not see.
 */
export function isFresh(entry: CacheEntry<unknown>, key: string, known: ReadonlyMap<string, string>): boolean {
  if (entry.key !== key) return false;
  return Object.entries(entry.files).every(([file, hash]) => (known.get(file) ?? hashFile(file)) === hash);
}

/** Atomic write (temp + rename): a concurrent reader sees the old entry or the new one. */
export function writeEntry<T = CheckOutcome>(cacheDir: string, entry: Omit<CacheEntry<T>, 'format'>): void {
  fs.mkdirSync(cacheDir, { recursive: true });
  writeFileAtomicSync(
    entryPath(cacheDir, entry.playbook),
    JSON.stringify({ format: FORMAT, ...entry } satisfies CacheEntry<T>),
  );
}
