// Builds and caches the lab's root layers (base → gentoo → ganeti), keyed by a hash of each recipe's files.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { layerCacheDir, layersSourceDir, portageSourceDir } from './paths.ts';
import { assertLabAvailable } from './preflight.ts';
import { runProgram } from './run.ts';
import { listInstances, readRecord } from './state.ts';

export type LayerName = 'base' | 'gentoo' | 'ganeti';

/** Which layer each layer is built on. */
const parentOf: Record<LayerName, LayerName | undefined> = { base: undefined, gentoo: 'base', ganeti: 'gentoo' };

/** The layers a profile's root is made of, bottom first. */
export function layerChain(profile: LayerName): LayerName[] {
  const chain: LayerName[] = [];
  for (let p: LayerName | undefined = profile; p; p = parentOf[p]) chain.unshift(p);
  return chain;
}

/** Every regular file under dir, relative paths sorted (the hash must not depend on readdir order). */
function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(path.join(dir, entry.name), rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

/** Hashes the named files' paths, modes and contents. */
export function hashFiles(dir: string, files: readonly string[], h = createHash('sha256')): ReturnType<typeof createHash> {
  for (const f of files) {
    const full = path.join(dir, f);
    h.update(`${f}\0${statSync(full).mode & 0o111 ? 'x' : '-'}\0`);
    h.update(readFileSync(full));
    h.update('\0');
  }
  return h;
}

/** Extra source trees a layer's recipe reads (bind-mounted into the build chroot at the given path). */
function extraSources(layer: LayerName): { src: string; dst: string }[] {
  if (layer === 'gentoo' && existsSync(path.join(portageSourceDir, 'install.sh'))) return [{ src: portageSourceDir, dst: '/tmp/portage-standin' }];
  return [];
}

/** The cache key of a layer: its recipe, its extra sources, the build scripts, and its parent's key. */
export function layerKey(layer: LayerName): string {
  const h = createHash('sha256');
  const parent = parentOf[layer];
  h.update(`parent:${parent ? layerKey(parent) : '-'}\0`);
  hashFiles(layersSourceDir, ['build-layer.sh', 'chroot-build.sh']
    .concat(listFiles(path.join(layersSourceDir, layer)).map((f) => `${layer}/${f}`)), h);
  for (const x of extraSources(layer)) {
    h.update(`extra:${x.dst}\0`);
    hashFiles(x.src, listFiles(x.src), h);
  }
  return h.digest('hex').slice(0, 16);
}

/** The cache directory a layer lives in once built (its root is `<dir>/root`). */
export function layerDir(layer: LayerName): string {
  return path.join(layerCacheDir, `${layer}-${layerKey(layer)}`);
}

/**
 * Returns the root dirs of a profile's layers, top first (overlay lowerdir order), building missing ones.
 * A build holds a per-layer flock, so concurrent test files wait for one build instead of racing.
 */
export async function ensureLayers(profile: LayerName, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<string[]> {
  const roots: string[] = [];
  for (const layer of layerChain(profile)) {
    const dir = layerDir(layer);
    if (!existsSync(path.join(dir, 'built'))) {
      await buildLayer(layer, dir, roots, log);
      pruneLayers(layer, dir, log);
    }
    roots.unshift(path.join(dir, 'root'));
  }
  return roots;
}

/**
 * Deletes older builds of `layer` (its recipe changed) unless a lab that is up uses them: a lower
 * layer must not change under running hosts. Each lab records its layer roots in state.json.
 */
function pruneLayers(layer: LayerName, current: string, log: (line: string) => void, inUse = layersInUse()): void {
  if (!inUse) return; // some lab's state is unreadable or predates `layers`: keep everything
  for (const entry of readdirSync(layerCacheDir)) {
    const dir = path.join(layerCacheDir, entry);
    if (!entry.startsWith(`${layer}-`) || dir === current || entry.includes('.tmp.')) continue;
    if (!existsSync(path.join(dir, 'built')) || inUse.has(path.join(dir, 'root'))) continue;
    rmSync(dir, { recursive: true, force: true });
    log(`drover lab: removed old layer ${entry}`);
  }
}

/** Layer roots used by labs that have state, or undefined when that cannot be known for all of them. */
function layersInUse(): Set<string> | undefined {
  const used = new Set<string>();
  for (const name of listInstances()) {
    try {
      const rec = readRecord(name);
      if (!rec) continue;
      if (!Array.isArray(rec.layers)) return undefined;
      for (const l of rec.layers) used.add(l);
    } catch {
      return undefined;
    }
  }
  return used;
}

async function buildLayer(layer: LayerName, dir: string, lowerRootsTopFirst: string[], log: (line: string) => void): Promise<void> {
  mkdirSync(layerCacheDir, { recursive: true });
  if (layer === 'base') assertLabAvailable(['debootstrap', 'flock', 'unshare']);
  if (layer === 'gentoo' && extraSources('gentoo').length === 0)
    log(`drover lab: warning: ${path.join(portageSourceDir, 'install.sh')} not found; building the gentoo layer without the Portage stand-in`);
  log(`drover lab: building layer ${layer} (${path.basename(dir)}) ...`);
  const started = Date.now();
  const binds = extraSources(layer).flatMap((x) => [x.src, x.dst]);
  const argv = ['flock', path.join(layerCacheDir, `${layer}.lock`), 'bash', path.join(layersSourceDir, 'build-layer.sh'),
    path.join(layersSourceDir, layer), dir, ...lowerRootsTopFirst, ...(binds.length ? ['--', ...binds] : [])];
  const r = await runProgram(argv);
  if (r.code !== 0 || !existsSync(path.join(dir, 'built'))) {
    const logFile = path.join(layerCacheDir, `${layer}.build.log`);
    await import('node:fs/promises').then((fs) => fs.writeFile(logFile, r.stdout + r.stderr));
    throw new Error(`building lab layer ${layer} failed (exit ${r.code}); full log: ${logFile}\n${(r.stderr || r.stdout).trim().split('\n').slice(-12).join('\n')}`);
  }
  log(`drover lab: layer ${layer} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
