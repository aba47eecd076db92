// emerge's facts: the probe (config files, the files drover writes, installed packages, world) as ProbeFrame
// sections and its strict parse; the read-only `emerge --pretend` commands whose answers complete the facts.
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';
import { binpkgOptions, emergeWith, type BinpkgRequest } from './emerge-binpkg.ts';
import { vercmp, type ConfigEdit, type ConfigLocation } from './portage-config.ts';
import { fileSections, probeCall, readFileProbe, type FileState } from '../shared/remote-file.ts';

export const PORTAGE = '/etc/portage';
export const USE_DIR = `${PORTAGE}/package.use`;
export const KW_DIR = `${PORTAGE}/package.accept_keywords`;
export const KW_OLD = `${PORTAGE}/package.keywords`;
/** The local profile overlay: masks and forces an admin adds on top of make.profile (named as such in errors). */
export const PROFILE_DIR = `${PORTAGE}/profile`;

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
  /**
   * The files drover may write (symlinks followed), by path: package.use and package.accept_keywords
   * themselves and `<each>/<configFile>`. A rewrite keeps an existing file's mode and owner.
   */
  managed: Record<string, FileState>;
}

/** A read-only command's answer, kept whole so the pure plan decides what it means. */
export interface CommandAnswer {
  /** The command as shown in errors ("emerge --pretend --verbose --noreplace -- app-misc/screen"). */
  command: string;
  code: number;
  stdout: string;
  stderr: string;
}

/** Everything the plan decides from: the probe, and Portage's own plan when something may change. */
export interface EmergeFacts {
  probe: Probe;
  /** `emerge --pretend` (install/rebuild/update, with the config edits applied in a throwaway config root) or `emerge --pretend --depclean`. */
  pretend?: CommandAnswer;
  /**
   * Portage's view of installed packages whose USE is to change but that its plan leaves out (a flag the
   * profile masks or forces, or one the package does not have): `emerge --pretend --verbose --nodeps
   * --oneshot -- =CPV`, which lists their flags as a rebuild would, `(-lxc)` for a masked one.
   */
  flags?: CommandAnswer;
  /**
   * USE given for packages that are not among the atoms (dependencies), whose package.use line is to be written:
   * `emerge --pretend --verbose --nodeps --oneshot -- DEPS` with the edits applied, so Portage says whether each
   * flag exists for the version it would build (and whether the profile masks it) before the line is written.
   */
  deps?: CommandAnswer;
}

/** package.mask / package.unmask / package.license / package.env: written only when their params are given. */
export type ExtraKind = 'mask' | 'unmask' | 'license' | 'env';
export const EXTRA_DIRS: Record<ExtraKind, string> = {
  mask: `${PORTAGE}/package.mask`,
  unmask: `${PORTAGE}/package.unmask`,
  license: `${PORTAGE}/package.license`,
  env: `${PORTAGE}/package.env`,
};

/** The files drover may write for `configFile` (and the extra kinds asked for), and the section each one's stat is printed under. */
export function managedPaths(
  configFile: string,
  extra: readonly ExtraKind[] = [],
): (readonly [section: string, path: string])[] {
  return [
    ['st.use', USE_DIR],
    ['st.usecf', `${USE_DIR}/${configFile}`],
    ['st.kw', KW_DIR],
    ['st.kwcf', `${KW_DIR}/${configFile}`],
    ...extra.flatMap((k) => [
      [`st.${k}`, EXTRA_DIRS[k]] as const,
      [`st.${k}cf`, `${EXTRA_DIRS[k]}/${configFile}`] as const,
    ]),
  ];
}

const LOCATIONS = [
  ['use', USE_DIR],
  ['kw', KW_DIR],
  ['kwold', KW_OLD],
  // read only to name a mask's file:line; optional in an answer (answers recorded before issue 26 lack them)
  ['pumask', `${PROFILE_DIR}/package.use.mask`],
  ['puforce', `${PROFILE_DIR}/package.use.force`],
  ['umask', `${PROFILE_DIR}/use.mask`],
  ['uforce', `${PROFILE_DIR}/use.force`],
  // package.mask and friends: lines drover writes, and others' lines it must not contradict
  ['mask', EXTRA_DIRS.mask],
  ['unmask', EXTRA_DIRS.unmask],
  ['license', EXTRA_DIRS.license],
  ['env', EXTRA_DIRS.env],
] as const;
const OPTIONAL = new Set(['pumask', 'puforce', 'umask', 'uforce', 'mask', 'unmask', 'license', 'env']);

// Run by `find -exec ... {} +` with the nonce first: each file becomes a section f.<pid>.<n> holding its
// path, a NUL (no path holds one), then its exact bytes. The pid keeps names unique across find's batches.
const FILE_SECTIONS = [
  'n=$1; shift; i=0',
  'for f do i=$((i+1)); printf \'@%s f.%s.%s\\n%s\\0\' "$n" "$$" "$i" "$f"; cat -- "$f"; printf \'\\n@%s f.%s.%s rc=%s\\n\' "$n" "$$" "$i" "$?"; done',
].join('\n');

/**
 * Sections of `frame` with the config files, the vdb entries of the packages `cps` and the world file:
 *   loc.use / loc.kw / loc.kwold  dir, file or absent (package.use, package.accept_keywords, package.keywords)
 *   loc.pumask / loc.puforce / loc.umask / loc.uforce  the same for /etc/portage/profile's (package.)use.mask/force
 *   f.<pid>.<n>                   one config file (of a directory location, or the location itself): PATH NUL BYTES
 *   pkg.<n>                       one installed package: CP NUL CPV NUL SLOT NUL USE NUL IUSE
 *   world                         /var/lib/portage/world
 *   emerge                        rc 0 when there is an emerge command
 *   st.*                          remote-file's probe of each file drover may write (managedPaths)
 */
export function probeScript(
  frame: ProbeFrame,
  cps: string[],
  configFile = 'drover',
  extra: readonly ExtraKind[] = [],
): ShellCommand {
  const parts: ShellCommand[] = [sh`n=${frame.nonce}`];
  for (const [key, p] of LOCATIONS) {
    parts.push(
      frame.section(
        `loc.${key}`,
        sh`if [ -d ${p} ]; then printf dir; elif [ -f ${p} ]; then printf file; else printf absent; fi`,
      ),
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
    ...managedPaths(configFile, extra).map(([name, path]) => probeCall(frame, name, path, { follow: true })),
  );
  return ShellCommand.join(parts);
}

const FIXED = [...LOCATIONS.map(([key]) => `loc.${key}`), 'world', 'emerge'];

/** The probe's answer (pure; strict: an unknown section, a file outside the locations or a short package record is a ProbeFormatError). */
export function parseProbe(
  s: ProbeSections,
  cps: readonly string[],
  configFile = 'drover',
  extra: readonly ExtraKind[] = [],
): Probe {
  const stats = managedPaths(configFile, extra);
  const statNames = new Set(stats.flatMap(([name]) => fileSections(name).map((n) => n.replace(/\?$/, ''))));
  for (const name of s.names()) {
    if (!FIXED.includes(name) && !statNames.has(name) && !/^f\.\d+\.\d+$/.test(name) && !/^pkg\.\d+$/.test(name))
      throw new ProbeFormatError(`unexpected section ${name}`);
  }
  const locations: Record<string, ConfigLocation> = {};
  for (const [key, path] of LOCATIONS) {
    if (OPTIONAL.has(key) && !s.has(`loc.${key}`)) {
      locations[path] = { kind: 'absent', path };
      continue;
    }
    const kind = s.text(`loc.${key}`);
    if (kind === 'dir') locations[path] = { kind: 'dir', path, files: [] };
    else if (kind === 'absent') locations[path] = { kind: 'absent', path };
    else if (kind !== 'file') throw new ProbeFormatError(`${path} is ${JSON.stringify(kind.slice(0, 40))}`);
  }
  const files = s
    .names()
    .filter((n) => n.startsWith('f.'))
    .map((n) => {
      const sec = s.get(n);
      const nul = sec.bytes.indexOf(0);
      if (nul <= 0) throw new ProbeFormatError(`file section ${n} has no path`);
      const path = sec.bytes.subarray(0, nul).toString('utf8');
      if (sec.status !== 0) throw new Error(`cannot read ${path} (cat exited ${sec.status})`);
      return { path, raw: sec.bytes.subarray(0, nul), content: sec.bytes.subarray(nul + 1).toString('utf8') };
    })
    // Portage reads a directory's files in name order
    .sort((a, b) => Buffer.compare(a.raw, b.raw));
  for (const f of files) {
    const [, top] = LOCATIONS.find(([, p]) => f.path === p || f.path.startsWith(p + '/')) ?? [];
    const loc = top === undefined ? undefined : locations[top];
    if (top !== undefined && f.path === top && loc === undefined)
      locations[top] = { kind: 'file', path: top, content: f.content };
    else if (loc?.kind === 'dir' && f.path !== top) loc.files.push({ path: f.path, content: f.content });
    else
      throw new ProbeFormatError(`the probe sent ${JSON.stringify(f.path)}, which is not in a config location it read`);
  }
  for (const [key, path] of LOCATIONS) {
    if (!locations[path]) throw new ProbeFormatError(`${path} (loc.${key}) is a file but its content is missing`);
  }
  const installed: Record<string, InstalledPkg[]> = {};
  for (const n of s.names().filter((x) => x.startsWith('pkg.'))) {
    const f = s.text(n).split('\0');
    if (f.length !== 5) throw new ProbeFormatError(`package record ${n} has ${f.length} fields, not 5`);
    const [cp, cpv, slot, use, iuse] = f;
    if (!cps.includes(cp) || !cpv.startsWith(cp + '-') || /\s/.test(cpv))
      throw new ProbeFormatError(`package record ${JSON.stringify(cp)} ${JSON.stringify(cpv)}`);
    (installed[cp] ??= []).push({
      cpv,
      version: cpv.slice(cp.length + 1),
      slot: slot.trim() || '0',
      use: use.split(/\s+/).filter(Boolean),
      iuse: iuse
        .split(/\s+/)
        .filter(Boolean)
        .map((x) => x.replace(/^[+-]/, '')),
    });
  }
  for (const list of Object.values(installed)) list.sort((a, b) => vercmp(b.version, a.version));
  const world = s
    .text('world')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const managed: Record<string, FileState> = {};
  for (const [name, path] of stats) managed[path] = readFileProbe(s, name, path);
  return { locations, installed, world, hasEmerge: s.status('emerge') === 0, managed };
}

/**
 * `emerge --pretend --verbose [--update] --noreplace [--changed-use] [--getbinpkg ...] -- ATOMS`: Portage's plan, read-only. With
 * config edits it runs against a throwaway PORTAGE_CONFIGROOT mirroring /etc/portage with the edits
 * applied (their bytes on stdin), so the plan and its errors are those of the config about to be written.
 */
export function pretendCommand(
  atoms: readonly string[],
  edits: readonly ConfigEdit[],
  changedUse: boolean,
  update = false,
  binpkg: BinpkgRequest = { buildpkg: false },
): { command: ShellCommand; shown: string; stdin?: string } {
  const flags = [
    '--pretend',
    '--verbose',
    ...(update ? ['--update'] : []),
    '--noreplace',
    ...(changedUse ? ['--changed-use'] : []),
    // with a binhost Portage's plan says which packages come as binaries ([binary ...]) and which it would build
    ...binpkgOptions(binpkg, { pretend: true }),
  ];
  const shown = emergeWith(binpkg, flags, atoms).display;
  if (!edits.length) return { command: emergeWith(binpkg, flags, atoms), shown };
  const o = overlayScript(edits);
  return {
    command: ShellCommand.join([o.script, emergeWith(binpkg, flags, atoms, sh`PORTAGE_CONFIGROOT="$t"`)]),
    shown,
    stdin: o.stdin,
  };
}

/** `emerge --pretend --verbose --depclean -- ATOMS`: what a removal would unmerge, and (verbose) what keeps a package and why. */
export function depcleanPretendCommand(atoms: readonly string[]): { command: ShellCommand; shown: string } {
  return {
    command: sh`emerge --pretend --verbose --depclean -- ${atoms}`,
    shown: `emerge --pretend --verbose --depclean -- ${atoms.join(' ')}`,
  };
}

/**
 * `emerge --pretend --verbose --nodeps --oneshot -- =CPV...`: the flags of installed versions as a rebuild would
 * set them (read-only), with the config edits applied like the plan's question, so an overriding line shows.
 */
export function flagsPretendCommand(
  cpvs: readonly string[],
  edits: readonly ConfigEdit[] = [],
): { command: ShellCommand; shown: string; stdin?: string } {
  return nodepsPretendCommand(
    cpvs.map((c) => `=${c}`),
    edits,
  );
}

/**
 * `emerge --pretend --verbose --nodeps --oneshot -- ATOMS`: the version Portage would build for each atom alone and
 * its flags (IUSE, profile masks, the effective USE), with the config edits applied. Read-only.
 */
export function nodepsPretendCommand(
  atoms: readonly string[],
  edits: readonly ConfigEdit[] = [],
): { command: ShellCommand; shown: string; stdin?: string } {
  const shown = `emerge --pretend --verbose --nodeps --oneshot -- ${atoms.join(' ')}`;
  if (!edits.length) return { command: sh`emerge --pretend --verbose --nodeps --oneshot -- ${atoms}`, shown };
  const o = overlayScript(edits);
  return {
    command: ShellCommand.join([
      o.script,
      sh`PORTAGE_CONFIGROOT="$t" emerge --pretend --verbose --nodeps --oneshot -- ${atoms}`,
    ]),
    shown,
    stdin: o.stdin,
  };
}

/** A throwaway PORTAGE_CONFIGROOT ("$t") mirroring /etc/portage with the edits applied; stdin holds their bytes in order. */
function overlayScript(edits: readonly ConfigEdit[]): { script: ShellCommand; stdin: string } {
  const parts: ShellCommand[] = [
    sh`t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/etc/portage"
for e in /etc/portage/*; do [ -e "$e" ] || [ -L "$e" ] || continue; ln -s "$e" "$t/etc/portage/"; done`,
  ];
  let stdin = '';
  for (const e of edits) {
    const dir = e.path.slice(0, e.path.lastIndexOf('/'));
    const rel = e.path.slice(PORTAGE.length);
    const relDir = dir.slice(PORTAGE.length);
    const bytes = Buffer.byteLength(e.after ?? '', 'utf8');
    if (dir === PORTAGE) {
      parts.push(sh`rm -f "$t/etc/portage"${rel}; dd bs=1 count=${bytes} of="$t/etc/portage"${rel} 2>/dev/null`);
    } else {
      // A linked directory becomes a real one holding links to its files, so the edited file can replace one of them.
      parts.push(
        sh`if [ -L "$t/etc/portage"${relDir} ]; then rm -f "$t/etc/portage"${relDir}; mkdir -p "$t/etc/portage"${relDir}; for f in ${dir}/*; do [ -e "$f" ] && ln -s "$f" "$t/etc/portage"${relDir}/; done; fi
mkdir -p "$t/etc/portage"${relDir}; rm -f "$t/etc/portage"${rel}; dd bs=1 count=${bytes} of="$t/etc/portage"${rel} 2>/dev/null`,
      );
    }
    stdin += e.after ?? '';
  }
  return { script: ShellCommand.join(parts, '\n'), stdin };
}
