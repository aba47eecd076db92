// apt's facts: one probe asking dpkg what is installed, apt what it would install, and how old the package lists are.
import { probe } from '../../core/module.ts';
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';

/** One package as dpkg knows it. */
export interface DpkgState {
  /** dpkg's status letter (second of db:Status-Abbrev): i installed, c config-files only, n not installed, U/F/H half-done, W/t triggers pending. */
  status: string;
  /** The installed (or half-installed) version; '' when none. */
  version: string;
}

/** What apt decides from. */
export interface AptFacts {
  /** dpkg-query and apt-get are there (a Debian-family host). */
  haveApt: boolean;
  /** By package name: dpkg's record (absent: dpkg never heard of it). */
  dpkg: Record<string, DpkgState>;
  /** By package name: apt's candidate version (absent: not in the package lists, or no candidate). */
  candidate: Record<string, string>;
  /** The host's clock and the package lists' last update (seconds since the epoch; undefined: never updated). */
  now: number;
  listsUpdated?: number;
}

/** The stamp apt's daily job and drover touch after a successful `apt-get update`. */
export const UPDATE_STAMP = '/var/lib/apt/periodic/update-success-stamp';

export const APT_SECTIONS = ['have', 'dpkg', 'policy', 'now', 'lists'];

/** The package name of a `name` or `name=version` entry. */
export function packageName(entry: string): string {
  const i = entry.indexOf('=');
  return i < 0 ? entry : entry.slice(0, i);
}

/** dpkg-query -W's lines: NAME TAB db:Status-Abbrev TAB VERSION (dpkg fails, and prints the rest, when one is unknown). */
export function parseDpkgQuery(text: string): Record<string, DpkgState> {
  const out: Record<string, DpkgState> = {};
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)?\t([a-z])([a-zA-Z]) ?[R ]?\t(\S*)$/.exec(line);
    if (!m) throw new ProbeFormatError(`dpkg-query printed ${JSON.stringify(line.slice(0, 120))}`);
    out[m[1]] = { status: m[3], version: m[4] };
  }
  return out;
}

/** `apt-cache policy` (LC_ALL=C): a block per package, `NAME:` then `  Candidate: VERSION` ('(none)': no candidate). */
export function parsePolicy(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let name: string | undefined;
  for (const line of text.split('\n')) {
    const head = /^([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)?:$/.exec(line);
    if (head) {
      name = head[1];
      continue;
    }
    const c = /^ {2}Candidate: (\S+)$/.exec(line);
    if (c) {
      if (name === undefined) throw new ProbeFormatError(`apt-cache policy: a candidate outside a package block`);
      if (c[1] !== '(none)') out[name] = c[1];
    }
  }
  return out;
}

/** The newest of the mtimes `stat -c %Y` printed (the stamp, the lists directory), or undefined. */
function parseMtimes(s: ProbeSections): number | undefined {
  const times = s
    .text('lists')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      if (!/^\d+$/.test(l)) throw new ProbeFormatError(`stat printed ${JSON.stringify(l.slice(0, 80))}`);
      return Number(l);
    });
  return times.length ? Math.max(...times) : undefined;
}

export function parseAptFacts(s: ProbeSections): AptFacts {
  const now = s.text('now');
  if (!/^\d+\n$/.test(now)) throw new ProbeFormatError(`date +%s printed ${JSON.stringify(now.slice(0, 80))}`);
  const haveApt = s.status('have') === 0;
  return {
    haveApt,
    dpkg: haveApt ? parseDpkgQuery(s.text('dpkg')) : {},
    candidate: haveApt ? parsePolicy(s.text('policy')) : {},
    now: Number(now),
    // lists with no file in them (a fresh debootstrap, `apt-get clean` and rm) were never updated
    listsUpdated: s.status('lists') === 0 ? parseMtimes(s) : undefined,
  };
}

/** The probe: dpkg's and apt's views of the named packages, the clock and the lists' age. Read only (no lock taken). */
export function aptProbeCommand(frame: ProbeFrame, names: readonly string[]): ShellCommand {
  const pkgs = names.map(packageName);
  return ShellCommand.join([
    frame.section('have', sh`command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1`),
    frame.section(
      'dpkg',
      sh`dpkg-query -W -f ${'${Package}\t${db:Status-Abbrev}\t${Version}\n'} -- ${pkgs} 2>/dev/null; true`,
    ),
    frame.section('policy', sh`LC_ALL=C apt-cache policy -- ${pkgs} 2>/dev/null`),
    frame.section('now', sh`date +%s`),
    frame.section(
      'lists',
      // stdout: the mtimes of what exists; status: 0 only when some package list is there
      sh`stat -c %Y -- ${UPDATE_STAMP} /var/lib/apt/lists 2>/dev/null; ls /var/lib/apt/lists 2>/dev/null | grep -q _Packages`,
    ),
  ]);
}

export const aptFacts = probe<{ names: string | readonly string[] }, AptFacts>(
  (p, frame) => aptProbeCommand(frame, typeof p.names === 'string' ? [p.names] : p.names),
  (s) => parseAptFacts(s),
  () => APT_SECTIONS,
);
