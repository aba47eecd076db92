// Binary packages for emerge (pure): `buildpkg` makes a host a builder (`--buildpkg` into PKGDIR), `binhost` installs
// other hosts from its binary packages (`--getbinpkg` with PORTAGE_BINHOST), falling back to a build when none matches.
import { sh, type ShellCommand } from '../../core/sh.ts';
import type { PlanEntry } from './emerge-pretend.ts';

export interface BinpkgParams {
  /**
   * Also make a binary package of each package this call builds (`emerge --buildpkg`), in the host's PKGDIR
   * (`/var/cache/binpkgs` by default): the host becomes a builder others install from (serve PKGDIR with
   * `binhostServer`). Packages already installed before are not packaged again.
   */
  buildpkg?: boolean;
  /**
   * A binary package host, e.g. "http://node1.example.org:8200" (one URL, as PORTAGE_BINHOST): each package is
   * installed from its binary package (`emerge --getbinpkg --binpkg-respect-use=y`) when one matches what
   * Portage would build here (version, USE, keywords); otherwise, or when the binhost cannot be reached, it is
   * built from source as without this param. Credentials in the URL are refused (commands are shown in logs).
   */
  binhost?: string;
}

export interface BinpkgRequest {
  buildpkg: boolean;
  binhost?: string;
}

/** Checks `buildpkg` and `binhost` (pure; throws naming the param and value). */
export function binpkgRequest(p: BinpkgParams): BinpkgRequest {
  if (p.buildpkg !== undefined && typeof p.buildpkg !== 'boolean')
    throw new Error(`buildpkg must be true or false, got ${JSON.stringify(p.buildpkg)}`);
  const b = p.binhost;
  if (b === undefined) return { buildpkg: p.buildpkg === true };
  if (typeof b !== 'string' || !/^(https?|ftps?|ssh|sftp):\/\/[^\s/?#]+(\/[^\s]*)?$/.test(b))
    throw new Error(
      `binhost must be one URL (http, https, ftp, ftps, ssh or sftp) with no spaces, e.g. "http://node1.example.org:8200", got ${JSON.stringify(b)}`,
    );
  // user:password@ would be printed with the command (progress lines, errors, --json)
  if (/^[a-z]+:\/\/[^/]*@/.test(b))
    throw new Error(
      'binhost: a URL with credentials (user@ or user:password@) would show in logs; put them in /etc/portage/binrepos.conf instead',
    );
  return { buildpkg: p.buildpkg === true, binhost: b };
}

/** The emerge options a request adds: `--buildpkg`, `--getbinpkg --binpkg-respect-use=y` (explicit: a binary with other USE is never taken). */
export function binpkgOptions(b: BinpkgRequest, opts: { pretend?: boolean } = {}): string[] {
  return [
    ...(b.buildpkg && !opts.pretend ? ['--buildpkg'] : []),
    ...(b.binhost ? ['--getbinpkg', '--binpkg-respect-use=y'] : []),
  ];
}

/** `emerge FLAGS -- ATOMS`, with PORTAGE_BINHOST set for this command only when a binhost is given (after `prefix`, e.g. PORTAGE_CONFIGROOT). */
export function emergeWith(
  b: BinpkgRequest,
  flags: readonly string[],
  atoms: readonly string[],
  prefix?: ShellCommand,
): ShellCommand {
  const run = sh`emerge ${flags} -- ${atoms}`;
  const withEnv = b.binhost ? sh`PORTAGE_BINHOST=${b.binhost} ${run}` : run;
  return prefix ? sh`${prefix} ${withEnv}` : withEnv;
}

/**
 * What the report adds to "install ATOM" with a binhost: " (binary package)" when Portage's plan takes one, " (built
 * from source: no matching binary package)" when it builds (another USE or version than the builder's, or none there).
 */
export function binarySuffix(b: BinpkgRequest, entry: PlanEntry | undefined): string {
  if (!b.binhost || !entry) return '';
  return entry.kind === 'binary' ? ' (binary package)' : ' (built from source: no matching binary package)';
}
