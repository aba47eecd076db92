// Facts init (the running init system) and packageManager (the host's package tool): parsers and probe sections.
import { sh } from '../../core/sh.ts';
import { ShellCommand } from '../../core/sh.ts';
import { FactError, okText, type FactProbe } from './fact.ts';

/** The init systems drover's service module drives; anything else is 'unknown'. */
export type InitSystem = 'openrc' | 'systemd';

export interface InitFact {
  readonly system: InitSystem | 'unknown';
  /** PID 1's command name (/proc/1/comm): 'systemd', 'openrc-init', 'init' (sysvinit starting OpenRC), 'sshd'. */
  readonly pid1: string;
}

/**
 * Prints the init system's word: 'systemd' when systemd is running (sd_booted(3): /run/systemd/system
 * exists only then), else 'openrc' when OpenRC's tools are installed (OpenRC runs under sysvinit's
 * init as often as under its own openrc-init), else 'unknown'. service's probe prints the same word.
 */
export const INIT_DETECT: ShellCommand = sh`if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then printf systemd
elif command -v rc-service >/dev/null 2>&1 || [ -x /sbin/openrc-run ]; then printf openrc
else printf unknown; fi`;

/** The init system from INIT_DETECT's word; another word is a FactError (the probe prints only those). */
export function parseInitSystem(word: string): InitFact['system'] {
  if (word === 'openrc' || word === 'systemd' || word === 'unknown') return word;
  throw new FactError('init', `init system ${JSON.stringify(word.slice(0, 80))}`);
}

export const initFact: FactProbe<InitFact> = {
  sections: ['init.system', 'init.pid1'],
  build: (frame) =>
    ShellCommand.join([
      frame.section('init.system', INIT_DETECT),
      // Unreadable in some containers (hidepid): then the name is '' rather than a failure.
      frame.section('init.pid1', sh`cat /proc/1/comm 2>/dev/null || true`),
    ]),
  parse: (s) => ({
    system: parseInitSystem(okText(s, 'init', 'init.system', 'init detection')),
    pid1: s.text('init.pid1').trim(),
  }),
};

/** The package tool drover (or the site) drives: 'portage' (emerge), 'apt' (apt-get/dpkg), ... */
export type PackageManager = 'portage' | 'apt' | 'dnf' | 'yum' | 'zypper' | 'pacman' | 'apk' | 'unknown';

export interface PackageManagerFact {
  readonly name: PackageManager;
  /** The tool's path on the host ('/usr/bin/emerge'); absent when 'unknown'. */
  readonly path?: string;
}

/**
 * Tried in this order, the first on PATH wins. Portage first: a Gentoo host has no apt, but a host with
 * emerge is run by Portage even when a Debian base is under it (the lab's gentoo profile is such a host).
 * dnf before yum (RHEL 8 ships yum as a link to dnf).
 */
const TOOLS: readonly [PackageManager, string][] = [
  ['portage', 'emerge'],
  ['apt', 'apt-get'],
  ['dnf', 'dnf'],
  ['yum', 'yum'],
  ['zypper', 'zypper'],
  ['pacman', 'pacman'],
  ['apk', 'apk'],
];

/** The fact from the probe's sections: one per tool, `command -v`'s output and status. */
export function parsePackageManager(paths: readonly { status: number; text: string }[]): PackageManagerFact {
  for (const [i, [name]] of TOOLS.entries()) {
    const p = paths[i];
    if (p.status === 0) {
      const path = p.text.trim();
      if (!path.startsWith('/') || path.includes('\n'))
        throw new FactError('packageManager', `command -v ${TOOLS[i][1]} printed ${JSON.stringify(path.slice(0, 80))}`);
      return { name, path };
    }
  }
  return { name: 'unknown' };
}

export const packageManagerFact: FactProbe<PackageManagerFact> = {
  sections: TOOLS.map(([name]) => `packageManager.${name}`),
  build: (frame) =>
    ShellCommand.join(TOOLS.map(([name, tool]) => frame.section(`packageManager.${name}`, sh`command -v ${tool}`))),
  parse: (s) => parsePackageManager(TOOLS.map(([name]) => s.get(`packageManager.${name}`))),
};
