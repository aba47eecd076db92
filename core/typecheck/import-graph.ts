// A fast walk of a playbook's imports (no TypeScript needed) that yields what the cache key must cover.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';

export interface ImportGraph {
  /** Every local or drover .ts/.json file reached, absolute path → sha256 of its content. */
  files: Map<string, string>;
  /** What else the program depends on: `pkg:name@version` for declaration-only packages, `unresolved:…`. */
  externals: Set<string>;
}

/**
 * Import specifiers in a source text. Deliberately over-inclusive (a `from 'x'` inside a string or a
 * comment also counts): an extra entry only makes the cache key stricter, a missed one could make it stale.
 */
export function importSpecifiers(text: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /\bfrom\s*(['"])([^'"\n]+)\1/g,
    /\bimport\s*(['"])([^'"\n]+)\1/g,
    /\bimport\s*\(\s*(['"])([^'"\n]+)\1/g,
    /\brequire\s*\(\s*(['"])([^'"\n]+)\1/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) found.add(m[2]);
  for (const m of text.matchAll(/\/\/\/\s*<reference\s+path\s*=\s*(['"])([^'"]+)\1/g))
    found.add(m[2].startsWith('.') ? m[2] : `./${m[2]}`);
  for (const m of text.matchAll(/\/\/\/\s*<reference\s+types\s*=\s*(['"])([^'"]+)\1/g)) found.add(`@types/${m[2]}`);
  return [...found];
}

const isFile = (p: string): boolean => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

/** TypeScript's bundler-mode candidates for a relative import (`./x.js` may mean `./x.ts`). */
function relativeCandidates(target: string): string[] {
  const ext = path.extname(target);
  const stem = target.slice(0, target.length - ext.length);
  if (/\.d\.[mc]?ts$/.test(target) || ['.ts', '.tsx', '.mts', '.cts', '.json'].includes(ext)) return [target];
  if (ext === '.js') return [`${stem}.ts`, `${stem}.tsx`, `${stem}.d.ts`, target];
  if (ext === '.jsx') return [`${stem}.tsx`, target];
  if (ext === '.mjs') return [`${stem}.mts`, `${stem}.d.mts`, target];
  if (ext === '.cjs') return [`${stem}.cts`, `${stem}.d.cts`, target];
  const exts = ['.ts', '.tsx', '.d.ts'];
  return [...exts.map((e) => target + e), ...exts.map((e) => path.join(target, `index${e}`))];
}

const CONDITIONS = new Set(['types', 'import', 'module', 'default']);

/** Resolves an `exports` condition value (string, nested conditions, or fallback array). */
function resolveConditional(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const v of value) {
      const r = resolveConditional(v);
      if (r) return r;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (CONDITIONS.has(key)) {
        const r = resolveConditional(v);
        if (r) return r;
      }
    }
  }
  return undefined;
}

/** The file a package's `exports` gives for `subpath` ('.' or './x'), relative to the package root. */
export function resolveExports(exportsField: unknown, subpath: string): string | undefined {
  if (typeof exportsField === 'string' || Array.isArray(exportsField))
    return subpath === '.' ? resolveConditional(exportsField) : undefined;
  if (!exportsField || typeof exportsField !== 'object') return undefined;
  const entries = Object.entries(exportsField);
  if (!entries.some(([k]) => k.startsWith('.'))) return subpath === '.' ? resolveConditional(exportsField) : undefined;
  const exact = entries.find(([k]) => k === subpath);
  if (exact) return resolveConditional(exact[1]);
  for (const [key, value] of entries) {
    const star = key.indexOf('*');
    if (star < 0) continue;
    const before = key.slice(0, star);
    const after = key.slice(star + 1);
    if (subpath.startsWith(before) && subpath.endsWith(after) && subpath.length >= key.length - 1) {
      const match = subpath.slice(before.length, subpath.length - after.length);
      return resolveConditional(value)?.replaceAll('*', match);
    }
  }
  return undefined;
}

interface PackageJson {
  name?: string;
  version?: string;
  exports?: unknown;
  types?: string;
  typings?: string;
  main?: string;
}

function readPackageJson(file: string): PackageJson | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/** Finds a bare specifier's package root: self-reference (nearest package.json of that name) or node_modules. */
function findPackage(name: string, fromDir: string): { root: string; pkg: PackageJson } | undefined {
  for (let d = fromDir; ; d = path.dirname(d)) {
    const own = readPackageJson(path.join(d, 'package.json'));
    if (own?.name === name && own.exports !== undefined) return { root: d, pkg: own };
    const dep = path.join(d, 'node_modules', name);
    const pkg = readPackageJson(path.join(dep, 'package.json'));
    if (pkg) return { root: dep, pkg };
    if (path.dirname(d) === d) return undefined;
  }
}

type Resolution = { kind: 'source'; file: string } | { kind: 'external'; id: string } | { kind: 'builtin' };

/** Where one import leads, the way TypeScript's bundler resolution would (closely enough for a cache key). */
export function resolveImport(spec: string, importer: string): Resolution {
  if (spec.startsWith('.') || path.isAbsolute(spec)) {
    const target = path.resolve(path.dirname(importer), spec);
    const hit = relativeCandidates(target).find(isFile);
    return hit ? { kind: 'source', file: hit } : { kind: 'external', id: `unresolved:${target}` };
  }
  if (isBuiltin(spec)) return { kind: 'builtin' };
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const subpath = spec === name ? '.' : `./${spec.slice(name.length + 1)}`;
  const found = findPackage(name, path.dirname(importer));
  if (!found) return { kind: 'external', id: `unresolved:${spec}@${path.dirname(importer)}` };
  const { root, pkg } = found;
  let rel: string | undefined;
  if (pkg.exports !== undefined) rel = resolveExports(pkg.exports, subpath);
  else if (subpath === '.') rel = pkg.types ?? pkg.typings ?? pkg.main;
  else rel = subpath;
  if (rel) {
    const hit = relativeCandidates(path.resolve(root, rel)).find(isFile);
    // A package that ships .ts sources (drover itself) is part of what is checked: hash it like local code.
    if (hit && /\.(ts|tsx|mts|cts)$/.test(hit) && !/\.d\.[mc]?ts$/.test(hit)) return { kind: 'source', file: hit };
  }
  // Declaration-only packages are covered by their version (and their @types twin's, if any).
  const modulesDir = name.startsWith('@') ? path.dirname(path.dirname(root)) : path.dirname(root);
  const types =
    name.startsWith('@types/') || path.basename(modulesDir) !== 'node_modules'
      ? undefined
      : readPackageJson(path.join(modulesDir, '@types', name.replace(/^@/, '').replace('/', '__'), 'package.json'));
  return {
    kind: 'external',
    id: `pkg:${name}@${pkg.version ?? '?'}:${subpath}:${rel ?? ''}${types ? `+types@${types.version}` : ''}`,
  };
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Walks the playbook's import graph from `entry`, hashing every source file reached. */
export function walkImports(entry: string): ImportGraph {
  const files = new Map<string, string>();
  const externals = new Set<string>();
  const queue = [path.resolve(entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    const text = fs.readFileSync(file);
    files.set(file, sha256(text));
    if (file.endsWith('.json')) continue;
    for (const spec of importSpecifiers(text.toString('utf8'))) {
      const r = resolveImport(spec, file);
      if (r.kind === 'source') queue.push(r.file);
      else if (r.kind === 'external') externals.add(r.id);
    }
  }
  return { files, externals };
}

/** sha256 of a file's content, or null when it is gone. */
export function hashFile(file: string): string | null {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return null;
  }
}
