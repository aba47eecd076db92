// The outline cache (`drover list`, --phase/--start-at): like the type check's, an entry per playbook, valid
// while every file the outline was read from, drover's outline code and the cwd its paths are relative to are unchanged.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { droverCacheDir } from '../boot/cache-dir.ts';
import { cacheKey, isFresh, readEntry, toolVersions, writeEntry } from './cache.ts';
import { chooseTypeRoots, playbookOptionsJson } from './compiler-options.ts';
import { hashFile, walkImports } from './import-graph.ts';
import type { OutlineItem } from './outline-types.ts';

export interface OutlineCacheOptions {
  /** Where entries go (default: `$XDG_CACHE_HOME/drover/outline`, else `~/.cache/drover/outline`). */
  cacheDir?: string;
  /** false: neither read nor write the cache. */
  cache?: boolean;
}

/**
 * The sources that compute an outline: a change there changes outlines without changing drover's version
 * (a checkout under development), so they are part of the key. import.meta.url names the .ts source even
 * in dist/ (see core/boot/compile.js), and the package ships core/ .ts sources.
 */
const OWN_SOURCES = ['outline.ts', 'outline-facts.ts', 'phase-values.ts', 'project.ts', 'compiler-options.ts'].map(
  (f) => fileURLToPath(new URL(`./${f}`, import.meta.url)),
);

/** The cache key of `abs`'s outline with paths relative to `cwd`, and the import walk's file hashes. */
export function outlineKey(abs: string, cwd: string): { key: string; known: ReadonlyMap<string, string> } {
  const graph = walkImports(abs);
  const own = OWN_SOURCES.map((f) => `${path.basename(f)}=${hashFile(f) ?? 'missing'}`).join(' ');
  const key = cacheKey(
    `outline ${toolVersions()} ${own} cwd=${path.resolve(cwd)}`,
    playbookOptionsJson(chooseTypeRoots(path.dirname(abs))),
    graph,
  );
  return { key, known: graph.files };
}

export function outlineCacheDir(o: OutlineCacheOptions = {}): string {
  return o.cacheDir ?? droverCacheDir('outline');
}

/** The cached outline, or undefined on a miss (no entry, another key, or a file the outline read changed). */
export function readOutline(
  dir: string,
  abs: string,
  key: string,
  known: ReadonlyMap<string, string>,
): OutlineItem[] | undefined {
  const entry = readEntry<OutlineItem[]>(dir, abs);
  return entry && isFresh(entry, key, known) ? entry.outcome : undefined;
}

export function writeOutline(
  dir: string,
  abs: string,
  key: string,
  files: Record<string, string>,
  items: OutlineItem[],
): void {
  try {
    writeEntry<OutlineItem[]>(dir, { key, playbook: abs, files, outcome: items });
  } catch {
    // A read-only or full cache directory must not fail `drover list`: the next call reads the source again.
  }
}
