// Where the lab gets real Portage and netifrc: a path or URL the user gives, else ../shared beside the clone (offline),
// else the pinned upstream release tarball downloaded once into the user's cache; every one checked by sha256.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The project root (lab/..): defaults are resolved from here, as `../shared/...` beside a clone. */
export const projectRoot = fileURLToPath(new URL('../', import.meta.url));

export interface TarballSpec {
  /** what it is, for messages: "Portage 3.0.82" */
  what: string;
  /** environment variable that overrides the source (a path or an http(s) URL) */
  env: string;
  /** environment variable that overrides the pinned sha256 (for another release) */
  shaEnv: string;
  /** the offline copy, relative to the project root */
  defaultRel: string;
  /** sha256 of the .tar.gz file in ../shared (also the lab layer's cache key, so it names the bytes a layer was built from) */
  sha256: string;
  /**
   * sha256 of the uncompressed tar stream: a copy of the same release compressed by another gzip (the upstream
   * server's) has other .tar.gz bytes but this same stream, and passes.
   */
  tarSha256: string;
  /** the pinned upstream release tarball, downloaded when neither the variable nor ../shared gives one */
  url: string;
}

/*
 * The pins. Verified here: both sha256 values of each spec, on the files in /work/shared (../shared), which
 * ../shared/portage/README.md describes as `git archive --prefix=portage-3.0.82/` of the upstream tag (commit
 * 174c2108 in the tar's pax header; netifrc's names commit a5f3b951). NOT verified here: the upstream URLs
 * themselves — this machine cannot reach them. They are Gentoo's own SRC_URI: sys-apps/portage and
 * net-misc/netifrc-0.7.14.ebuild fetch `https://gitweb.gentoo.org/proj/${PN}.git/snapshot/${P}.tar.bz2`, a cgit
 * snapshot of the release tag; cgit serves the same snapshot as .tar.gz, which the layer recipe reads (tar -xz).
 * cgit writes the tar with git's own archive code from the tag's commit, so its tar stream should be the one
 * pinned in tarSha256; its gzip bytes likely differ from ours (another compressor and level), which is why the
 * stream is what a download is checked against. If upstream's stream differs, the download is refused (nothing is
 * cached) and the message says how to use a local copy.
 */
export const portageTarball: TarballSpec = {
  what: 'Portage 3.0.82',
  env: 'DROVER_LAB_PORTAGE',
  shaEnv: 'DROVER_LAB_PORTAGE_SHA256',
  defaultRel: '../shared/portage/portage-3.0.82.tar.gz',
  sha256: 'd65626711f72750fec0eb2fc0511978b8cce2d1689c63a9ed51d15a265564fd8',
  tarSha256: '190e010cefed6ad22af4ffa4eae725d39c5013a837b2aad99bbdf9ba164a46ee',
  url: 'https://gitweb.gentoo.org/proj/portage.git/snapshot/portage-3.0.82.tar.gz',
};

export const netifrcTarball: TarballSpec = {
  what: 'netifrc 0.7.14',
  env: 'DROVER_LAB_NETIFRC',
  shaEnv: 'DROVER_LAB_NETIFRC_SHA256',
  defaultRel: '../shared/netifrc/netifrc-0.7.14.tar.gz',
  sha256: 'fe458fb94ebb29e15fc7913df49dd7fe6a41435ef6ab34a0f24d4bd01a7e34a9',
  tarSha256: '095a76ee5e235741d34c727ecf13bef662abbdab627ebffa0dc7aa15148f619a',
  url: 'https://gitweb.gentoo.org/proj/netifrc.git/snapshot/netifrc-0.7.14.tar.gz',
};

export interface ResolvedTarball {
  spec: TarballSpec;
  /** where it was asked for (path or URL) */
  source: string;
  /** a local file (a URL is downloaded into the cache once) */
  file: string;
  /** sha256 of the file's bytes */
  sha256: string;
}

/** Where the tarball is asked for: the env var, else the offline copy beside the project root. Pure. */
export function tarballSource(spec: TarballSpec, env: NodeJS.ProcessEnv = process.env, root = projectRoot): string {
  const v = env[spec.env];
  if (v !== undefined && v !== '') return /^https?:\/\//.test(v) ? v : path.resolve(v);
  return path.resolve(root, spec.defaultRel);
}

/** The user's cache for downloaded tarballs: $DROVER_LAB_TARBALLS, else $XDG_CACHE_HOME/drover/lab-tarballs (~/.cache/...). */
export function tarballCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DROVER_LAB_TARBALLS) return path.resolve(env.DROVER_LAB_TARBALLS);
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'drover', 'lab-tarballs');
}

/** What a file must hash to: the variable's sha256 (of the file) for another release, else the pins. */
function expected(spec: TarballSpec, env: NodeJS.ProcessEnv): { file: string; tar?: string } {
  const v = env[spec.shaEnv];
  if (v !== undefined && v !== '') {
    if (!/^[0-9a-f]{64}$/.test(v))
      throw new Error(`${spec.shaEnv}=${JSON.stringify(v)}: expected 64 lowercase hex digits (a sha256)`);
    return { file: v };
  }
  return { file: spec.sha256, tar: spec.tarSha256 };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Checks bytes against the pins (pure): undefined when they match, else their hashes (for the message). */
function mismatch(bytes: Buffer, want: { file: string; tar?: string }): { file: string; tar?: string } | undefined {
  const got = sha256(bytes);
  if (got === want.file) return undefined;
  if (!want.tar) return { file: got };
  let tar: string;
  try {
    tar = sha256(gunzipSync(bytes));
  } catch {
    tar = 'none (not gzip)';
  }
  return tar === want.tar ? undefined : { file: got, tar };
}

/** "sha256 X, expected Y" and, at the end of the message, the tar streams' (the second pin). */
function hashes(bad: { file: string; tar?: string }, want: { file: string; tar?: string }): [string, string] {
  return [
    `sha256 ${bad.file}, expected ${want.file}`,
    bad.tar && want.tar ? ` (its tar stream: sha256 ${bad.tar}, expected ${want.tar})` : '',
  ];
}

/** The one line for "neither source is there": what was tried and what to do. */
function unreachable(spec: TarballSpec, offline: string, url: string, why: string): Error {
  return new Error(
    `drover lab: ${spec.what}: no offline copy at ${offline} and cannot download ${url} (${why}); ` +
      `fetch its release .tar.gz on a machine that can and set ${spec.env}=PATH (or a reachable URL)`,
  );
}

/**
 * Downloads `url` into `dir` once. The bytes are checked before they are kept: a wrong file is refused and leaves
 * nothing in the cache (it is written to a temporary name and renamed only once verified).
 */
async function download(
  spec: TarballSpec,
  url: string,
  dir: string,
  want: { file: string; tar?: string },
  offline?: string,
): Promise<string> {
  const name = `${sha256(Buffer.from(url)).slice(0, 16)}-${path.basename(new URL(url).pathname) || 'tarball'}`;
  const file = path.join(dir, name);
  if (existsSync(file)) {
    if (!mismatch(readFileSync(file), want)) return file;
    rmSync(file, { force: true }); // a cached file that no longer verifies (another pin, damaged): fetched again
  }
  const fail = (why: string) =>
    offline
      ? unreachable(spec, offline, url, why)
      : new Error(`drover lab: cannot download ${spec.what} from ${url} (${why}): set ${spec.env}=PATH_OR_URL`);
  let bytes: Buffer;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(300_000) });
    if (!res.ok) throw fail(`HTTP ${res.status}`);
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    if ((err as Error).message.startsWith('drover lab:')) throw err;
    const cause = (err as Error & { cause?: Error }).cause?.message;
    throw fail(cause ? `${(err as Error).message}: ${cause}` : (err as Error).message);
  }
  const bad = mismatch(bytes, want);
  if (bad) {
    const [h, tar] = hashes(bad, want);
    throw new Error(
      `drover lab: ${url} is not ${spec.what}: ${h}; nothing was cached (set ${spec.shaEnv} for another release)${tar}`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.part.${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
  return file;
}

/**
 * Finds and verifies a tarball; throws one line saying what is wrong and what to do. In order: the variable
 * (a path, or a URL downloaded into the cache), the offline copy in ../shared, the pinned upstream URL (cached).
 */
export async function resolveTarball(
  spec: TarballSpec,
  env: NodeJS.ProcessEnv = process.env,
  root = projectRoot,
): Promise<ResolvedTarball> {
  const want = expected(spec, env);
  const given = env[spec.env];
  const source = tarballSource(spec, env, root);
  let file = source;
  if (/^https?:\/\//.test(source)) file = await download(spec, source, tarballCacheDir(env), want);
  else if (!existsSync(source)) {
    if (given !== undefined && given !== '')
      throw new Error(
        `drover lab: ${spec.what} not found at ${source}: set ${spec.env}=PATH_OR_URL of its release .tar.gz`,
      );
    // no ../shared here (a clone elsewhere): the pinned release, once
    return resolved(spec, spec.url, await download(spec, spec.url, tarballCacheDir(env), want, source));
  }
  const bad = mismatch(readFileSync(file), want);
  if (bad) {
    const [h, tar] = hashes(bad, want);
    throw new Error(
      `drover lab: ${file} has ${h} (${spec.what}); use the release tarball or set ${spec.shaEnv} for another release${tar}`,
    );
  }
  return resolved(spec, source, file);
}

function resolved(spec: TarballSpec, source: string, file: string): ResolvedTarball {
  return { spec, source, file, sha256: sha256(readFileSync(file)) };
}
