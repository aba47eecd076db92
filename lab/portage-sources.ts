// Where the lab gets real Portage and netifrc: release tarballs given by path or URL (data, never copied into
// the repository), checked against a pinned sha256 before a layer is built from them.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { layerCacheDir } from './paths.ts';

/** The project root (lab/..): defaults are resolved from here, as `../shared/...` beside a clone. */
export const projectRoot = fileURLToPath(new URL('../', import.meta.url));

export interface TarballSpec {
  /** what it is, for messages: "Portage 3.0.82" */
  what: string;
  /** environment variable that overrides the default path (a path or an http(s) URL) */
  env: string;
  /** environment variable that overrides the pinned sha256 (for another release) */
  shaEnv: string;
  /** default, relative to the project root */
  defaultRel: string;
  /** sha256 of the .tar.gz published with the release in ../shared */
  sha256: string;
}

export const portageTarball: TarballSpec = {
  what: 'Portage 3.0.82',
  env: 'DROVER_LAB_PORTAGE',
  shaEnv: 'DROVER_LAB_PORTAGE_SHA256',
  defaultRel: '../shared/portage/portage-3.0.82.tar.gz',
  // ../shared/portage/README.md
  sha256: 'd65626711f72750fec0eb2fc0511978b8cce2d1689c63a9ed51d15a265564fd8',
};

export const netifrcTarball: TarballSpec = {
  what: 'netifrc 0.7.14',
  env: 'DROVER_LAB_NETIFRC',
  shaEnv: 'DROVER_LAB_NETIFRC_SHA256',
  defaultRel: '../shared/netifrc/netifrc-0.7.14.tar.gz',
  // measured on ../shared/netifrc/netifrc-0.7.14.tar.gz (upstream release tarball)
  sha256: 'fe458fb94ebb29e15fc7913df49dd7fe6a41435ef6ab34a0f24d4bd01a7e34a9',
};

export interface ResolvedTarball {
  spec: TarballSpec;
  /** where it was asked for (path or URL) */
  source: string;
  /** a local file (a URL is downloaded into the layer cache once) */
  file: string;
  sha256: string;
}

/** Where the tarball is asked for: the env var, else the default beside the project root. Pure. */
export function tarballSource(spec: TarballSpec, env: NodeJS.ProcessEnv = process.env, root = projectRoot): string {
  const v = env[spec.env];
  if (v !== undefined && v !== '') return /^https?:\/\//.test(v) ? v : path.resolve(v);
  return path.resolve(root, spec.defaultRel);
}

function expectedSha(spec: TarballSpec, env: NodeJS.ProcessEnv): string {
  const v = env[spec.shaEnv];
  if (v !== undefined && v !== '') {
    if (!/^[0-9a-f]{64}$/.test(v))
      throw new Error(`${spec.shaEnv}=${JSON.stringify(v)}: expected 64 lowercase hex digits (a sha256)`);
    return v;
  }
  return spec.sha256;
}

/** The one line printed when the tarball is missing: what is missing and what to set. */
export function missingTarballMessage(spec: TarballSpec, source: string): string {
  return `drover lab: ${spec.what} not found at ${source}: set ${spec.env}=PATH_OR_URL of its release .tar.gz`;
}

/** Finds (downloads) and verifies a tarball; throws one line saying what is wrong and what to set. */
export async function resolveTarball(
  spec: TarballSpec,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedTarball> {
  const source = tarballSource(spec, env);
  const want = expectedSha(spec, env);
  let file = source;
  if (/^https?:\/\//.test(source)) {
    // Downloaded once per URL into the cache; verified below like a local file.
    const dir = path.join(layerCacheDir, 'downloads');
    file = path.join(
      dir,
      `${createHash('sha256').update(source).digest('hex').slice(0, 16)}-${path.basename(new URL(source).pathname) || 'tarball'}`,
    );
    if (!existsSync(file)) {
      let res: Response;
      try {
        res = await fetch(source);
      } catch (err) {
        throw new Error(
          `drover lab: cannot download ${spec.what} from ${source} (${(err as Error).message}): set ${spec.env}=PATH_OR_URL`,
        );
      }
      if (!res.ok)
        throw new Error(
          `drover lab: cannot download ${spec.what} from ${source}: HTTP ${res.status}; set ${spec.env}=PATH_OR_URL`,
        );
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${file}.tmp.${process.pid}`, Buffer.from(await res.arrayBuffer()));
      renameSync(`${file}.tmp.${process.pid}`, file);
    }
  } else if (!existsSync(source)) {
    throw new Error(missingTarballMessage(spec, source));
  }
  const got = createHash('sha256').update(readFileSync(file)).digest('hex');
  if (got !== want)
    throw new Error(
      `drover lab: ${file} has sha256 ${got}, expected ${want} (${spec.what}); use the release tarball or set ${spec.shaEnv} for another release`,
    );
  return { spec, source, file, sha256: got };
}
