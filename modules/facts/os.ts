// Facts os (os-release: distribution, version, family) and kernel (uname): parsers and their probe sections.
import { sh } from '../../core/sh.ts';
import { ShellCommand } from '../../core/sh.ts';
import { FactError, okText, type FactProbe } from './fact.ts';

/** The families a playbook usually branches on; `other` for the rest (read `id` and `idLike` then). */
export type OsFamily = 'debian' | 'gentoo' | 'redhat' | 'suse' | 'arch' | 'alpine' | 'other';

/** What /etc/os-release (or /usr/lib/os-release) says. */
export interface OsFact {
  /** `ID`: 'debian', 'gentoo', 'ubuntu', 'rocky'... ('linux' when unset, as os-release(5) says). */
  readonly id: string;
  /** `ID_LIKE`, split: ['rhel', 'centos', 'fedora']. */
  readonly idLike: readonly string[];
  /** From `id`, else the first of `idLike` that is a known family. */
  readonly family: OsFamily;
  /** `NAME` ('Linux' when unset). */
  readonly name: string;
  /** `PRETTY_NAME` (`name` when unset). */
  readonly prettyName: string;
  /** `VERSION_ID`: '12', '22.04', '2.14' (Gentoo: baselayout's version); absent on rolling releases. */
  readonly versionId?: string;
  /** `VERSION_CODENAME`: 'bookworm'. */
  readonly codename?: string;
  /** Every assignment, unquoted, for fields not above (`VARIANT_ID`, `SUPPORT_END`...). */
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * Parses os-release(5): `KEY=value` lines, values optionally in double quotes (with `\"`, `\\`, `\$`,
 * `` \` `` escapes) or single quotes; `#` comments and blank lines skipped. A line that is none of these
 * is skipped too, as systemd's own parser does (a hand-edited file must not make every fact fail).
 */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const v = m[2];
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) out[m[1]] = v.slice(1, -1).replace(/\\([\\"$`])/g, '$1');
    else if (v.startsWith("'") && v.endsWith("'") && v.length >= 2) out[m[1]] = v.slice(1, -1);
    else out[m[1]] = v;
  }
  return out;
}

const FAMILIES: Record<string, OsFamily> = {
  debian: 'debian',
  ubuntu: 'debian',
  gentoo: 'gentoo',
  rhel: 'redhat',
  fedora: 'redhat',
  centos: 'redhat',
  rocky: 'redhat',
  almalinux: 'redhat',
  suse: 'suse',
  opensuse: 'suse',
  sles: 'suse',
  arch: 'arch',
  alpine: 'alpine',
};

/** The os fact from an os-release file's text. */
export function osFromRelease(text: string): OsFact {
  const f = parseOsRelease(text);
  const id = f.ID || 'linux';
  const idLike = (f.ID_LIKE ?? '').split(/\s+/).filter(Boolean);
  const family = FAMILIES[id] ?? idLike.map((x) => FAMILIES[x]).find((x) => x !== undefined) ?? 'other';
  const name = f.NAME || 'Linux';
  return {
    id,
    idLike,
    family,
    name,
    prettyName: f.PRETTY_NAME || name,
    ...(f.VERSION_ID ? { versionId: f.VERSION_ID } : {}),
    ...(f.VERSION_CODENAME ? { codename: f.VERSION_CODENAME } : {}),
    fields: f,
  };
}

export const osFact: FactProbe<OsFact> = {
  sections: ['os.release'],
  // /etc/os-release is usually a link to /usr/lib/os-release; either may be the only one (os-release(5)).
  build: (frame) => frame.section('os.release', sh`cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release`),
  parse: (s) => {
    const text = okText(s, 'os', 'os.release', 'no /etc/os-release or /usr/lib/os-release');
    if (!text.includes('=')) throw new FactError('os', 'os-release holds no KEY=value line');
    return osFromRelease(text);
  },
};

/** What uname says. */
export interface KernelFact {
  /** `uname -s`: 'Linux'. */
  readonly name: string;
  /** `uname -r`: '6.1.0-18-amd64'. */
  readonly release: string;
  /** `uname -v`: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)'. */
  readonly version: string;
  /** `uname -m`: 'x86_64', 'aarch64'. */
  readonly machine: string;
}

const UNAME = [
  ['kernel.name', '-s'],
  ['kernel.release', '-r'],
  ['kernel.version', '-v'],
  ['kernel.machine', '-m'],
] as const;

export const kernelFact: FactProbe<KernelFact> = {
  sections: UNAME.map(([n]) => n),
  // One section per field: the version holds spaces, and no field may pass for another.
  build: (frame) => ShellCommand.join(UNAME.map(([n, opt]) => frame.section(n, sh`uname ${opt}`))),
  parse: (s) => {
    const [name, release, version, machine] = UNAME.map(([n, opt]) => {
      const v = okText(s, 'kernel', n, `uname ${opt}`).trim();
      if (v === '' || v.includes('\n')) throw new FactError('kernel', `uname ${opt} printed ${JSON.stringify(v)}`);
      return v;
    });
    return { name, release, version, machine };
  },
};
