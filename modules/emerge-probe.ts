// emerge's probe: config files, installed packages and the world file as ProbeFrame sections, and their strict parse.
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../core/probe-frame.ts';
import { sh, ShellCommand } from '../core/sh.ts';
import { vercmp, type ConfigLocation } from './portage-config.ts';

export const PORTAGE = '/etc/portage';
export const USE_DIR = `${PORTAGE}/package.use`;
export const KW_DIR = `${PORTAGE}/package.accept_keywords`;
export const KW_OLD = `${PORTAGE}/package.keywords`;

export interface InstalledPkg {
  cpv: string;
  version: string;
  slot: string;
  use: string[];
  iuse: string[];
}

export interface Probe {
  locations: Record<string, ConfigLocation>;
  installed: Record<string, InstalledPkg[]>;
  world: string[];
  hasEmerge: boolean;
}

const LOCATIONS = [
  ['use', USE_DIR],
  ['kw', KW_DIR],
  ['kwold', KW_OLD],
] as const;

// Run by `find -exec ... {} +` with the nonce first: each file becomes a section f.<pid>.<n> holding its
// path, a NUL (no path holds one), then its exact bytes. The pid keeps names unique across find's batches.
const FILE_SECTIONS = [
  'n=$1; shift; i=0',
  'for f do i=$((i+1)); printf \'@%s f.%s.%s\\n%s\\0\' "$n" "$$" "$i" "$f"; cat -- "$f"; printf \'\\n@%s f.%s.%s rc=%s\\n\' "$n" "$$" "$i" "$?"; done',
].join('\n');

/**
 * Sections of `frame` with the config files, the vdb entries of the packages `cps` and the world file:
 *   loc.use / loc.kw / loc.kwold  dir, file or absent (package.use, package.accept_keywords, package.keywords)
 *   f.<pid>.<n>                   one config file (of a directory location, or the location itself): PATH NUL BYTES
 *   pkg.<n>                       one installed package: CP NUL CPV NUL SLOT NUL USE NUL IUSE
 *   world                         /var/lib/portage/world
 *   emerge                        rc 0 when there is an emerge command
 */
export function probeScript(frame: ProbeFrame, cps: string[]): ShellCommand {
  const parts: ShellCommand[] = [sh`n=${frame.nonce}`];
  for (const [key, p] of LOCATIONS) {
    parts.push(
      frame.section(`loc.${key}`, sh`if [ -d ${p} ]; then printf dir; elif [ -f ${p} ]; then printf file; else printf absent; fi`),
      sh`if [ -e ${p} ]; then find -L ${p} -type f ! -name '.*' ! -name '*~' -exec sh -c ${FILE_SECTIONS} sh "$n" {} + 2>/dev/null; fi`,
    );
  }
  parts.push(
    sh`i=0
for cp in ${cps}; do for d in /var/db/pkg/$cp-[0-9]*; do [ -d "$d" ] || continue; i=$((i+1))
  printf '@%s pkg.%s\\n%s\\0%s\\0%s\\0%s\\0%s\\n@%s pkg.%s rc=0\\n' "$n" "$i" "$cp" "\${d#/var/db/pkg/}" "$(cat "$d/SLOT" 2>/dev/null)" "$(cat "$d/USE" 2>/dev/null)" "$(cat "$d/IUSE" 2>/dev/null)" "$n" "$i"
done; done`,
    frame.section('world', sh`cat /var/lib/portage/world 2>/dev/null; true`),
    frame.section('emerge', sh`command -v emerge >/dev/null 2>&1`),
  );
  return ShellCommand.join(parts);
}

const FIXED = ['loc.use', 'loc.kw', 'loc.kwold', 'world', 'emerge'];

/** The probe's answer (pure; strict: an unknown section, a file outside the locations or a short package record is a ProbeFormatError). */
export function parseProbe(s: ProbeSections, cps: readonly string[]): Probe {
  for (const name of s.names()) {
    if (!FIXED.includes(name) && !/^f\.\d+\.\d+$/.test(name) && !/^pkg\.\d+$/.test(name)) throw new ProbeFormatError(`emerge: unexpected section ${name}`);
  }
  const locations: Record<string, ConfigLocation> = {};
  for (const [key, path] of LOCATIONS) {
    const kind = s.text(`loc.${key}`);
    if (kind === 'dir') locations[path] = { kind: 'dir', path, files: [] };
    else if (kind === 'absent') locations[path] = { kind: 'absent', path };
    else if (kind !== 'file') throw new ProbeFormatError(`emerge: ${path} is ${JSON.stringify(kind.slice(0, 40))}`);
  }
  const files = s
    .names()
    .filter((n) => n.startsWith('f.'))
    .map((n) => {
      const sec = s.get(n);
      const nul = sec.bytes.indexOf(0);
      if (nul <= 0) throw new ProbeFormatError(`emerge: file section ${n} has no path`);
      const path = sec.bytes.subarray(0, nul).toString('utf8');
      if (sec.status !== 0) throw new Error(`emerge: cannot read ${path} (cat exited ${sec.status})`);
      return { path, raw: sec.bytes.subarray(0, nul), content: sec.bytes.subarray(nul + 1).toString('utf8') };
    })
    // Portage reads a directory's files in name order
    .sort((a, b) => Buffer.compare(a.raw, b.raw));
  for (const f of files) {
    const [, top] = LOCATIONS.find(([, p]) => f.path === p || f.path.startsWith(p + '/')) ?? [];
    const loc = top === undefined ? undefined : locations[top];
    if (top !== undefined && f.path === top && loc === undefined) locations[top] = { kind: 'file', path: top, content: f.content };
    else if (loc?.kind === 'dir' && f.path !== top) loc.files.push({ path: f.path, content: f.content });
    else throw new ProbeFormatError(`emerge: the probe sent ${JSON.stringify(f.path)}, which is not in a config location it read`);
  }
  for (const [key, path] of LOCATIONS) {
    if (!locations[path]) throw new ProbeFormatError(`emerge: ${path} (loc.${key}) is a file but its content is missing`);
  }
  const installed: Record<string, InstalledPkg[]> = {};
  for (const n of s.names().filter((x) => x.startsWith('pkg.'))) {
    const f = s.text(n).split('\0');
    if (f.length !== 5) throw new ProbeFormatError(`emerge: package record ${n} has ${f.length} fields, not 5`);
    const [cp, cpv, slot, use, iuse] = f;
    if (!cps.includes(cp) || !cpv.startsWith(cp + '-') || /\s/.test(cpv)) throw new ProbeFormatError(`emerge: package record ${JSON.stringify(cp)} ${JSON.stringify(cpv)}`);
    (installed[cp] ??= []).push({
      cpv,
      version: cpv.slice(cp.length + 1),
      slot: slot.trim() || '0',
      use: use.split(/\s+/).filter(Boolean),
      iuse: iuse.split(/\s+/).filter(Boolean).map((x) => x.replace(/^[+-]/, '')),
    });
  }
  for (const list of Object.values(installed)) list.sort((a, b) => vercmp(b.version, a.version));
  const world = s.text('world').split('\n').map((l) => l.trim()).filter(Boolean);
  return { locations, installed, world, hasEmerge: s.status('emerge') === 0 };
}
