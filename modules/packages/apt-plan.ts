// apt's decisions (pure): which packages to install, upgrade or remove, whether the package lists need an update, and the commands.
import type { Result } from '../../core/module.ts';
import { sh, ShellCommand } from '../../core/sh.ts';
import { packageName, UPDATE_STAMP, type AptFacts } from './apt-facts.ts';

export interface AptParams {
  /** Packages: 'htop' or ['htop', 'curl=7.88.1-10+deb12u8'] (NAME=VERSION pins a version, downgrading if need be). */
  names: string | readonly string[];
  /** present (default): installed, any version; latest: at apt's candidate version; absent: removed. */
  state?: 'present' | 'latest' | 'absent';
  /** Run `apt-get update` first (subject to cacheValidTime). */
  updateCache?: boolean;
  /** With updateCache: skip the update when the lists are younger than this many seconds. */
  cacheValidTime?: number;
  /** absent: purge (remove config files too, also of packages already removed but not purged). */
  purge?: boolean;
  /** Install Recommends too (default false: only what the packages depend on). */
  installRecommends?: boolean;
}

export interface AptResult extends Result {
  /** Installed or upgraded (name=version as apt chose it; in --check: the version apt offers now). */
  installed: string[];
  removed: string[];
  cacheUpdated: boolean;
}

const NAME_RE = /^[a-z0-9][a-z0-9+.-]+$/;
const VERSION_RE = /^(\d+:)?[0-9][A-Za-z0-9.+~:-]*$/;

/** The names as a list. */
export function nameList(p: AptParams): readonly string[] {
  return typeof p.names === 'string' ? [p.names] : p.names;
}

/** Params checked before the host is touched. */
export function validateApt(p: AptParams): void {
  const names = nameList(p);
  if (!Array.isArray(names) || names.length === 0) throw new Error('names must name at least one package');
  const seen = new Set<string>();
  for (const n of names) {
    const [name, version, more] = String(n).split('=');
    if (!NAME_RE.test(name ?? '') || more !== undefined || (version !== undefined && !VERSION_RE.test(version)))
      throw new Error(
        `names: ${JSON.stringify(n)} is not a Debian package name (lower case letters, digits, + - .), optionally =VERSION`,
      );
    if (seen.has(name)) throw new Error(`names: ${name} is given twice`);
    seen.add(name);
    if (version !== undefined && p.state !== undefined && p.state !== 'present')
      throw new Error(`names: ${n} pins a version, which only state 'present' can honour`);
  }
  if (p.state !== undefined && !['present', 'latest', 'absent'].includes(p.state))
    throw new Error(`state must be present, latest or absent, got ${JSON.stringify(p.state)}`);
  if (p.cacheValidTime !== undefined && (!Number.isInteger(p.cacheValidTime) || p.cacheValidTime < 0))
    throw new Error(`cacheValidTime must be a whole number of seconds, got ${p.cacheValidTime}`);
  if (p.cacheValidTime !== undefined && !p.updateCache) throw new Error('cacheValidTime needs updateCache: true');
}

/** dpkg counts it as installed (triggers pending included). */
export function isInstalled(status: string | undefined): boolean {
  return status === 'i' || status === 'W' || status === 't';
}

/** Whether `apt-get update` runs: asked for, and the lists are missing or older than cacheValidTime. */
export function needsUpdate(p: AptParams, f: AptFacts): boolean {
  if (!p.updateCache) return false;
  if (p.cacheValidTime === undefined || f.listsUpdated === undefined) return true;
  return f.now - f.listsUpdated >= p.cacheValidTime;
}

/** What to do with the packages (pure). `lenient`: a package unknown to apt is left for after the lists update. */
export function planPackages(
  p: AptParams,
  f: AptFacts,
  lenient = false,
): { install: string[]; remove: string[]; pending: string[]; messages: string[] } {
  const install: string[] = [];
  const remove: string[] = [];
  const pending: string[] = [];
  for (const entry of nameList(p)) {
    const name = packageName(entry);
    const pin = entry.includes('=') ? entry.slice(name.length + 1) : undefined;
    const d = f.dpkg[name];
    const cand = f.candidate[name];
    if (p.state === 'absent') {
      if (isInstalled(d?.status) || (d && /[UFHc]/.test(d.status) && (p.purge || d.status !== 'c'))) remove.push(name);
      continue;
    }
    const have = isInstalled(d?.status) ? d!.version : undefined;
    const want = pin ?? (p.state === 'latest' ? cand : undefined);
    if (have !== undefined && (want === undefined || have === want)) continue;
    if (cand === undefined && pin === undefined) {
      if (lenient) {
        pending.push(name);
        continue;
      }
      throw new Error(
        `no package ${name} in the apt lists (apt-cache policy has no candidate): add its source, or pass updateCache: true`,
      );
    }
    install.push(pin !== undefined ? entry : name);
  }
  const messages: string[] = [];
  const versions = (list: string[]) =>
    list.map((n) => (n.includes('=') ? n : f.candidate[n] ? `${n}=${f.candidate[n]}` : n)).join(', ');
  if (install.length) messages.push(`install ${versions(install)}`);
  if (pending.length) messages.push(`install ${pending.join(', ')} (after the lists update)`);
  if (remove.length) messages.push(`${p.purge ? 'purge' : 'remove'} ${remove.join(', ')}`);
  return { install, remove, pending, messages };
}

const ENV = sh`DEBIAN_FRONTEND=noninteractive`;
// Wait for another apt/dpkg run instead of failing at once; keep changed config files, take new defaults otherwise.
const COMMON = sh`-y -q -o DPkg::Lock::Timeout=120 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold`;

/** The one command installing and removing (pure). */
export function packageCommand(p: AptParams, install: readonly string[], remove: readonly string[]): ShellCommand {
  const cmds: ShellCommand[] = [];
  if (install.length) {
    const rec = p.installRecommends ? sh`--install-recommends` : sh`--no-install-recommends`;
    const down = install.some((n) => n.includes('=')) ? sh` --allow-downgrades` : sh``;
    cmds.push(sh`${ENV} apt-get install ${COMMON} ${rec}${down} -- ${install}`);
  }
  if (remove.length) cmds.push(sh`${ENV} apt-get ${p.purge ? 'purge' : 'remove'} ${COMMON} -- ${remove}`);
  return ShellCommand.join(cmds, ' && ');
}

/** `apt-get update`, then the stamp cacheValidTime reads (apt's own daily job touches the same file). */
export const updateCommand: ShellCommand = sh`apt-get update -q -o DPkg::Lock::Timeout=120 && mkdir -p -- /var/lib/apt/periodic && touch -- ${UPDATE_STAMP}`;

/** After the change: dpkg must agree (pure check of the facts read again). Returns name=version of what is installed. */
export function checkPackages(
  p: AptParams,
  after: AptFacts,
  install: readonly string[],
  remove: readonly string[],
): string[] {
  const wrong: string[] = [];
  const done: string[] = [];
  for (const entry of install) {
    const name = packageName(entry);
    const d = after.dpkg[name];
    const pin = entry.includes('=') ? entry.slice(name.length + 1) : undefined;
    if (!isInstalled(d?.status) || (pin !== undefined && d!.version !== pin))
      wrong.push(`${name} is ${d ? `${d.status} ${d.version}` : 'unknown to dpkg'}`);
    else done.push(`${name}=${d!.version}`);
  }
  for (const name of remove) {
    const d = after.dpkg[name];
    if (isInstalled(d?.status) || (p.purge && d?.status === 'c'))
      wrong.push(`${name} is still ${d!.status} ${d!.version}`);
  }
  if (wrong.length) throw new Error(`apt-get succeeded but dpkg disagrees: ${wrong.join('; ')}`);
  return done;
}
