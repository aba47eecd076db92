// Builds and caches the lab's root layers (base → gentoo → ganeti), keyed by a hash of each recipe's files.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  mkdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { layerCacheDir, layersSourceDir } from './paths.ts';
import { labRepoFiles } from './portage-repo.ts';
import { netifrcTarball, portageTarball, resolveTarball, type ResolvedTarball } from './portage-sources.ts';
import { assertLabAvailable } from './preflight.ts';
import { runProgram } from './run.ts';
import { listInstances, readRecord } from './state.ts';
import { realPortageByDefault, type LabProfile } from './types.ts';

/** gentoo-real / ganeti-real: real Portage and netifrc (from release tarballs); gentoo / ganeti: without Portage (unused while realPortageByDefault). */
export type LayerName = 'base' | 'debian' | 'gentoo' | 'ganeti' | 'gentoo-real' | 'ganeti-real';

/** Which layer each layer is built on. */
const parentOf: Record<LayerName, LayerName | undefined> = {
  base: undefined,
  debian: 'base',
  gentoo: 'base',
  ganeti: 'gentoo',
  'gentoo-real': 'base',
  'ganeti-real': 'gentoo-real',
};
/** The recipe directory of each layer (ganeti-real runs the ganeti recipe over gentoo-real). */
const recipeOf: Record<LayerName, string> = {
  base: 'base',
  debian: 'debian',
  gentoo: 'gentoo',
  ganeti: 'ganeti',
  'gentoo-real': 'gentoo-real',
  'ganeti-real': 'ganeti',
};

/** Layers that run real Portage: their inputs include the Portage and netifrc tarballs and the generated repository. */
export function isRealPortageLayer(layer: LayerName): boolean {
  return layer === 'gentoo-real';
}

/** The verified tarballs real-Portage layers are built from (resolved once per process). */
let realSources: Promise<{ portage: ResolvedTarball; netifrc: ResolvedTarball }> | undefined;
export function realPortageSources(): Promise<{ portage: ResolvedTarball; netifrc: ResolvedTarball }> {
  realSources ??= (async () => ({
    portage: await resolveTarball(portageTarball),
    netifrc: await resolveTarball(netifrcTarball),
  }))();
  realSources.catch(() => (realSources = undefined));
  return realSources;
}

/** The top layer of a profile: its own name, except gentoo/ganeti when real Portage is the default. */
export function topLayer(profile: LabProfile): LayerName {
  if (realPortageByDefault && profile === 'gentoo') return 'gentoo-real';
  if (realPortageByDefault && profile === 'ganeti') return 'ganeti-real';
  return profile;
}

/** The layers a profile's root is made of, bottom first. */
export function layerChain(profile: LabProfile): LayerName[] {
  const chain: LayerName[] = [];
  for (let p: LayerName | undefined = topLayer(profile); p; p = parentOf[p]) chain.unshift(p);
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
export function hashFiles(
  dir: string,
  files: readonly string[],
  h = createHash('sha256'),
): ReturnType<typeof createHash> {
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
  // The gentoo layer's service scripts and configs are shared, not copied.
  if (isRealPortageLayer(layer))
    return [{ src: path.join(layersSourceDir, 'gentoo', 'files'), dst: '/tmp/gentoo-files' }];
  return [];
}

/** The cache key of a layer: its recipe, its extra sources, the build scripts, its parent's key and, for
 * real-Portage layers, the tarballs' sha256 and the generated repository. */
export function layerKey(layer: LayerName, real?: { portage: ResolvedTarball; netifrc: ResolvedTarball }): string {
  const h = createHash('sha256');
  const parent = parentOf[layer];
  h.update(`parent:${parent ? layerKey(parent, real) : '-'}\0`);
  const recipe = recipeOf[layer];
  hashFiles(
    layersSourceDir,
    ['build-layer.sh', 'chroot-build.sh'].concat(
      listFiles(path.join(layersSourceDir, recipe)).map((f) => `${recipe}/${f}`),
    ),
    h,
  );
  for (const x of extraSources(layer)) {
    h.update(`extra:${x.dst}\0`);
    hashFiles(x.src, listFiles(x.src), h);
  }
  if (isRealPortageLayer(layer)) {
    if (!real)
      throw new Error(`lab layer ${layer}: its key needs the Portage and netifrc tarballs (realPortageSources())`);
    h.update(`portage:${real.portage.sha256}\0netifrc:${real.netifrc.sha256}\0`);
    for (const [f, text] of Object.entries(labRepoFiles()).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      h.update(`repo:${f}\0${text}\0`);
  }
  return h.digest('hex').slice(0, 16);
}

/** The cache directory a layer lives in once built (its root is `<dir>/root`). */
export function layerDir(layer: LayerName, real?: { portage: ResolvedTarball; netifrc: ResolvedTarball }): string {
  return path.join(layerCacheDir, `${layer}-${layerKey(layer, real)}`);
}

/** Whether a profile's layers run real Portage. */
export function usesRealPortage(profile: LabProfile): boolean {
  return layerChain(profile).some(isRealPortageLayer);
}

/**
 * Returns the root dirs of a profile's layers, top first (overlay lowerdir order), building missing ones.
 * A build holds a per-layer flock, so concurrent test files wait for one build instead of racing.
 */
export async function ensureLayers(
  profile: LabProfile,
  log: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): Promise<string[]> {
  const roots: string[] = [];
  const real = usesRealPortage(profile) ? await realPortageSources() : undefined;
  for (const layer of layerChain(profile)) {
    const dir = layerDir(layer, real);
    if (!existsSync(path.join(dir, 'built'))) {
      await buildLayer(layer, dir, roots, log, real);
      pruneLayers(layer, dir, log);
    }
    roots.unshift(path.join(dir, 'root'));
  }
  return roots;
}

/** True when a cache entry is a finished build of exactly this layer: `<layer>-<16 hex>` (so `gentoo-` is
 * not `gentoo-real-...`, and temp/staging dirs are not builds). */
export function isBuildOf(layer: LayerName, entry: string): boolean {
  return entry.startsWith(`${layer}-`) && /^[0-9a-f]{16}$/.test(entry.slice(layer.length + 1));
}

/**
 * Deletes older builds of `layer` (its recipe changed) unless a lab that is up uses them: a lower
 * layer must not change under running hosts. Each lab records its layer roots in state.json.
 */
function pruneLayers(layer: LayerName, current: string, log: (line: string) => void, inUse = layersInUse()): void {
  if (!inUse) return; // some lab's state is unreadable or predates `layers`: keep everything
  for (const entry of readdirSync(layerCacheDir)) {
    const dir = path.join(layerCacheDir, entry);
    if (!isBuildOf(layer, entry) || dir === current) continue;
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

/**
 * Stages a real-Portage layer's inputs in one directory (bind-mounted at /tmp/lab-src): the verified
 * tarballs and the generated ebuild repository. Removed after the build.
 */
function stageRealSources(real: { portage: ResolvedTarball; netifrc: ResolvedTarball }, dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(real.portage.file, path.join(dir, 'portage.tar.gz'));
  copyFileSync(real.netifrc.file, path.join(dir, 'netifrc.tar.gz'));
  for (const [f, text] of Object.entries(labRepoFiles())) {
    mkdirSync(path.dirname(path.join(dir, 'repo', f)), { recursive: true });
    writeFileSync(path.join(dir, 'repo', f), text);
  }
}

async function buildLayer(
  layer: LayerName,
  dir: string,
  lowerRootsTopFirst: string[],
  log: (line: string) => void,
  real?: { portage: ResolvedTarball; netifrc: ResolvedTarball },
): Promise<void> {
  mkdirSync(layerCacheDir, { recursive: true });
  if (layer === 'base') assertLabAvailable(['debootstrap', 'flock', 'unshare']);
  log(`drover lab: building layer ${layer} (${path.basename(dir)}) ...`);
  const started = Date.now();
  const binds = extraSources(layer).flatMap((x) => [x.src, x.dst]);
  const staged = `${dir}.src.${process.pid}`;
  if (isRealPortageLayer(layer)) {
    if (!real) throw new Error(`lab layer ${layer} needs the Portage and netifrc tarballs`);
    log(
      `drover lab: layer ${layer}: ${real.portage.spec.what} from ${real.portage.source}, ${real.netifrc.spec.what} from ${real.netifrc.source} (sha256 verified)`,
    );
    stageRealSources(real, staged);
    binds.push(staged, '/tmp/lab-src');
  }
  const argv = [
    'flock',
    path.join(layerCacheDir, `${layer}.lock`),
    'bash',
    path.join(layersSourceDir, 'build-layer.sh'),
    path.join(layersSourceDir, recipeOf[layer]),
    dir,
    ...lowerRootsTopFirst,
    ...(binds.length ? ['--', ...binds] : []),
  ];
  const r = await runProgram(argv).finally(() => rmSync(staged, { recursive: true, force: true }));
  if (r.code !== 0 || !existsSync(path.join(dir, 'built'))) {
    const logFile = path.join(layerCacheDir, `${layer}.build.log`);
    await import('node:fs/promises').then((fs) => fs.writeFile(logFile, r.stdout + r.stderr));
    throw new Error(
      `building lab layer ${layer} failed (exit ${r.code}); full log: ${logFile}\n${(r.stderr || r.stdout).trim().split('\n').slice(-12).join('\n')}`,
    );
  }
  log(`drover lab: layer ${layer} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** One line saying which Portage a profile's hosts run (undefined for base: no Portage). */
export function portageDescription(profile: LabProfile): string | undefined {
  if (profile === 'base' || profile === 'debian') return undefined;
  if (usesRealPortage(profile)) return `profile ${profile} runs real ${portageTarball.what} and ${netifrcTarball.what}`;
  return `profile ${profile} has no Portage (realPortageByDefault is off in lab/types.ts); profile ${profile}-real runs real Portage`;
}
