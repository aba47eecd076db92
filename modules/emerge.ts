// emerge module: Gentoo packages installed (or removed) with their USE flags and keywords, idempotently.
import { CommandError } from '../core/errors.ts';
import type { FileChange } from '../core/events.ts';
import type { Host } from '../core/host.ts';
import { defineModule, type Result } from '../core/module.ts';
import { ProbeFrame } from '../core/probe-frame.ts';
import { sh, ShellCommand } from '../core/sh.ts';
import { emergeFailureReason, parseEmergePlan, renderPlan, type EmergePlan } from './emerge-plan.ts';
import { KW_DIR, KW_OLD, parseProbe, PORTAGE, probeScript, USE_DIR, type InstalledPkg, type Probe } from './emerge-probe.ts';
import {
  atomMatches,
  ensureAtomLine,
  locationLines,
  oppositeFlag,
  parseAtom,
  type ConfigEdit,
  type ConfigLocation,
  type ParsedAtom,
} from './portage-config.ts';

export interface EmergeParams {
  /** Package atoms: "app-emulation/ganeti", ">=sys-fs/lvm2-2.03". */
  atoms: string | string[];
  /** present (default): installed with the wanted USE; absent: removed with `emerge --depclean ATOMS`. */
  state?: 'present' | 'absent';
  /**
   * USE flags ("kvm", "-lxc") written to package.use: a list applies to every atom; a record gives them per
   * atom (keys may also be dependencies not in `atoms`: their line is written, but only listed atoms are rebuilt).
   * Flags not mentioned are left alone.
   */
  use?: string[] | Record<string, string[]>;
  /** Keyword to accept ("~amd64") in package.accept_keywords: for every atom, or per atom (keys may be dependencies). */
  keywords?: string | Record<string, string>;
  /** File name drover writes inside a package.use / package.accept_keywords directory (default "drover"). */
  configFile?: string;
  /** Run `emerge --sync` first (opt-in; it does not count as a change). */
  sync?: boolean;
}

export interface EmergeResult extends Result {
  /** Installed version per atom after the call (or what would be after --check; null = absent). */
  versions: Record<string, string | null>;
  /** The parsed `emerge --pretend --verbose` plan, when emerge had work to do. */
  plan?: EmergePlan;
}


/** The installed package an atom refers to (highest matching version), or undefined. */
function installedFor(p: Probe, atom: ParsedAtom): InstalledPkg | undefined {
  return (p.installed[atom.cp] ?? []).find((i) => atomMatches(atom, i.version, i.slot));
}

/** Flags whose installed state differs from the wanted one: ["+lxc", "-drbd"]. Throws on flags not in IUSE. */
export function useDifference(pkg: InstalledPkg, wanted: readonly string[]): string[] {
  const diff: string[] = [];
  for (const w of wanted) {
    const on = !w.startsWith('-');
    const flag = on ? w : w.slice(1);
    if (!pkg.iuse.includes(flag)) {
      throw new Error(`USE flag "${flag}" is not in IUSE of ${pkg.cpv} (IUSE: ${pkg.iuse.join(' ') || 'none'})`);
    }
    if (pkg.use.includes(flag) !== on) diff.push(`${on ? '+' : '-'}${flag}`);
  }
  return diff;
}

/** USE flags wanted per atom, from either form of `use`. */
export function useByAtom(atoms: readonly string[], use: EmergeParams['use']): Map<string, string[]> {
  const m = new Map<string, string[]>();
  if (Array.isArray(use)) {
    if (use.length) for (const a of atoms) m.set(a, [...use]);
  } else if (use) for (const [a, flags] of Object.entries(use)) if (flags.length) m.set(a, [...flags]);
  return m;
}

/** Keyword wanted per atom, from either form of `keywords`. */
export function keywordsByAtom(atoms: readonly string[], kw: EmergeParams['keywords']): Map<string, string> {
  const m = new Map<string, string>();
  if (typeof kw === 'string') for (const a of atoms) m.set(a, kw);
  else if (kw) for (const [a, k] of Object.entries(kw)) m.set(a, k);
  return m;
}

/** A wanted flag the package to be built does not have (a typo) fails before anything is written. */
function checkFlagsKnown(plan: EmergePlan, parsed: ParsedAtom[], atoms: string[], useMap: Map<string, string[]>): void {
  parsed.forEach((a, i) => {
    const entry = plan.entries.find((e) => e.cp === a.cp && e.kind === 'ebuild');
    const wanted = useMap.get(atoms[i]);
    if (!entry || !wanted) return;
    const known = new Set(Object.values(entry.use).flat().map((f) => f.flag).concat((entry.use.USE ?? []).map((f) => f.flag)));
    for (const w of wanted) {
      const flag = w.replace(/^-/, '');
      if (!known.has(flag)) {
        throw new Error(`USE flag "${flag}" is not in IUSE of ${entry.cpv} (emerge shows: ${(entry.use.USE ?? []).map((f) => f.flag).join(' ') || 'none'})`);
      }
    }
  });
}

/** Config edits for all atoms (pure). */
export function planConfigEdits(p: Probe, atoms: string[], params: EmergeParams): ConfigEdit[] {
  const configFile = params.configFile ?? 'drover';
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(configFile)) throw new Error(`configFile must be a plain file name, got "${configFile}"`);
  const edits: ConfigEdit[] = [];
  let useLoc = p.locations[USE_DIR] ?? { kind: 'absent', path: USE_DIR };
  let kwLoc = p.locations[KW_DIR] ?? { kind: 'absent', path: KW_DIR };
  const kwOld = locationLines(p.locations[KW_OLD] ?? { kind: 'absent', path: KW_OLD });
  const apply = (loc: ConfigLocation, e: ConfigEdit): ConfigLocation => {
    // Later atoms see earlier edits, so two atoms in one call share one file.
    if (loc.kind === 'file') return { ...loc, content: e.after ?? '' };
    const files = loc.kind === 'dir' ? loc.files.filter((f) => f.path !== e.path) : [];
    return { kind: 'dir', path: loc.path, files: [...files, { path: e.path, content: e.after ?? '' }] };
  };
  const merge = (e: ConfigEdit | null, set: (l: ConfigLocation) => void, loc: ConfigLocation) => {
    if (!e) return;
    const prev = edits.find((x) => x.path === e.path);
    if (prev) prev.after = e.after;
    else edits.push(e);
    set(apply(loc, e));
  };
  const useMap = useByAtom(atoms, params.use);
  const kwMap = keywordsByAtom(atoms, params.keywords);
  for (const atom of [...new Set([...kwMap.keys(), ...useMap.keys()])]) {
    const kw = kwMap.get(atom);
    if (kw) {
      const e = ensureAtomLine(kwLoc, atom, [kw], {
        configFile,
        what: 'package.accept_keywords',
        alsoRead: kwOld,
        noTokensMeans: '~amd64',
      });
      merge(e, (l) => (kwLoc = l), kwLoc);
    }
    const flags = useMap.get(atom);
    if (flags?.length) {
      const e = ensureAtomLine(useLoc, atom, flags, { configFile, what: 'package.use', opposite: oppositeFlag });
      merge(e, (l) => (useLoc = l), useLoc);
    }
  }
  return edits;
}

/** A throwaway PORTAGE_CONFIGROOT mirroring /etc/portage with the edits applied, so --pretend sees them before anything is written. */
function overlayScript(edits: ConfigEdit[]): { script: ShellCommand; stdin: string } {
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
      parts.push(
        sh`if [ -L "$t/etc/portage"${relDir} ]; then rm -f "$t/etc/portage"${relDir}; mkdir -p "$t/etc/portage"${relDir}; for f in ${dir}/*; do [ -e "$f" ] && ln -s "$f" "$t/etc/portage"${relDir}/; done; fi
mkdir -p "$t/etc/portage"${relDir}; rm -f "$t/etc/portage"${rel}; dd bs=1 count=${bytes} of="$t/etc/portage"${rel} 2>/dev/null`,
      );
    }
    stdin += e.after ?? '';
  }
  return { script: ShellCommand.join(parts, '\n'), stdin };
}

/** Writes one file atomically: temp file in the same directory (keeping mode and owner), sync, rename. */
function writeFileScript(e: ConfigEdit): ShellCommand {
  const dir = e.path.slice(0, e.path.lastIndexOf('/'));
  return sh`set -e; mkdir -p ${dir}; umask 022; tmp=$(mktemp ${dir + '/.drover.XXXXXX'})
if [ -e ${e.path} ]; then cp -p ${e.path} "$tmp"; fi
cat > "$tmp"; sync "$tmp" 2>/dev/null || sync; mv -f "$tmp" ${e.path}`;
}

async function pretend(host: Host<unknown>, atoms: string[], edits: ConfigEdit[], changedUse: boolean): Promise<EmergePlan> {
  const flags = ['--pretend', '--verbose', '--noreplace', ...(changedUse ? ['--changed-use'] : [])];
  const shown = `emerge ${flags.join(' ')} ${atoms.join(' ')}`;
  let res;
  if (edits.length) {
    const o = overlayScript(edits);
    res = await host.exec(ShellCommand.join([o.script, sh`PORTAGE_CONFIGROOT="$t" emerge ${flags} -- ${atoms}`]), {
      stdin: o.stdin,
      readOnly: true,
      allowFail: true,
    });
  } else {
    res = await host.exec(sh`emerge ${flags} -- ${atoms}`, { readOnly: true, allowFail: true });
  }
  if (res.code !== 0) {
    const reason = emergeFailureReason(`${res.stderr}\n${res.stdout}`) ?? res.stderr;
    throw new CommandError(host.name, shown, res.code, res.stdout, reason);
  }
  const plan = parseEmergePlan(res.stdout);
  const blocked = plan.entries.find((e) => e.action === 'blocker' && /\[blocks B/.test(e.line));
  if (blocked) throw new CommandError(host.name, shown, 1, res.stdout, `unresolved blocker:\n${blocked.line}`);
  return plan;
}

async function probe(host: Host<unknown>, cps: string[]): Promise<Probe> {
  const frame = new ProbeFrame();
  const res = await host.exec(probeScript(frame, cps), { readOnly: true });
  return parseProbe(frame.parse(res.stdoutBytes), cps);
}

function versionsOf(p: Probe, parsed: ParsedAtom[], atoms: string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  parsed.forEach((a, i) => (out[atoms[i]] = installedFor(p, a)?.version ?? null));
  return out;
}

export const emerge = defineModule<EmergeParams, EmergeResult>({
  name: 'emerge',
  title: (p) => {
    const atoms = Array.isArray(p.atoms) ? p.atoms : [p.atoms];
    const use = Array.isArray(p.use) && p.use.length ? ` USE="${p.use.join(' ')}"` : '';
    return `emerge ${atoms.join(' ')}${p.state === 'absent' ? ' (absent)' : ''}${use}`;
  },
  async run(host, params) {
    const atoms = (Array.isArray(params.atoms) ? params.atoms : [params.atoms]).map((a) => a.trim());
    if (atoms.length === 0 || atoms.some((a) => !a)) throw new Error('emerge: atoms must name at least one package');
    const parsed = atoms.map(parseAtom);
    const useMap = useByAtom(atoms, params.use);
    const kwMap = keywordsByAtom(atoms, params.keywords);
    for (const [a, flags] of useMap) {
      parseAtom(a);
      for (const f of flags) if (!/^-?[A-Za-z0-9][A-Za-z0-9+_@-]*$/.test(f)) throw new Error(`emerge: "${f}" (for ${a}) is not a USE flag`);
    }
    for (const [a, k] of kwMap) {
      parseAtom(a);
      if (!/^(~?[a-z0-9-]+|\*\*|~\*)$/.test(k)) throw new Error(`emerge: "${k}" (for ${a}) is not a keyword (expected e.g. "~amd64")`);
    }
    const state = params.state ?? 'present';
    const cps = [...new Set(parsed.map((a) => a.cp))];

    if (params.sync && !host.check) {
      await host.exec(sh`emerge --sync`, { progress: true });
    }
    const before = await probe(host, cps);
    if (!before.hasEmerge) throw new Error('emerge: no `emerge` command on this host (is it Gentoo?)');

    if (state === 'absent') {
      const present = atoms.filter((_, i) => installedFor(before, parsed[i]));
      if (present.length === 0) return { changed: false, versions: versionsOf(before, parsed, atoms) };
      const message = `remove ${present.join(' ')}`;
      if (host.check) {
        const out = await host.exec(sh`emerge --pretend --depclean -- ${present}`, { readOnly: true });
        return { changed: true, message, detail: out.stdout.trim(), versions: Object.fromEntries(atoms.map((a) => [a, null])) };
      }
      const out = await host.exec(sh`emerge --depclean -- ${present}`, { progress: true });
      const after = await probe(host, cps);
      const still = atoms.filter((_, i) => installedFor(after, parsed[i]));
      if (still.length) {
        throw new Error(`emerge --depclean kept ${still.join(' ')} (other packages need it):\n${out.stdout.trim()}`);
      }
      return { changed: true, message: `removed ${present.join(' ')}`, detail: out.stdout.trim(), versions: versionsOf(after, parsed, atoms) };
    }

    const edits = planConfigEdits(before, atoms, params);
    const missing = atoms.filter((_, i) => !installedFor(before, parsed[i]));
    const useChanged: string[] = [];
    for (let i = 0; i < atoms.length; i++) {
      const inst = installedFor(before, parsed[i]);
      const wanted = useMap.get(atoms[i]);
      if (inst && wanted?.length) {
        const d = useDifference(inst, wanted);
        if (d.length) useChanged.push(`${inst.cpv} USE ${d.join(' ')}`);
      }
    }
    const notInWorld = atoms.filter((a, i) => installedFor(before, parsed[i]) && !before.world.includes(a) && !before.world.includes(parsed[i].cp));
    const changes: FileChange[] = edits.map((e) => ({ path: e.path, before: e.before, after: e.after }));
    if (!edits.length && !missing.length && !useChanged.length && !notInWorld.length) {
      return { changed: false, versions: versionsOf(before, parsed, atoms) };
    }

    const needEmerge = missing.length > 0 || useChanged.length > 0;
    const plan = needEmerge ? await pretend(host, atoms, edits, useChanged.length > 0) : undefined;
    const what = [
      ...missing.map((a) => `install ${a}`),
      ...useChanged.map((u) => `rebuild ${u}`),
      ...notInWorld.map((a) => `add ${a} to world`),
      ...edits.map((e) => `edit ${e.path}`),
    ].join('; ');
    if (plan) checkFlagsKnown(plan, parsed, atoms, useMap);
    const detail = plan ? renderPlan(plan) : undefined;
    if (host.check) {
      return { changed: true, message: what, changes, detail, plan, versions: versionsOf(before, parsed, atoms) };
    }

    for (const e of edits) await host.exec(writeFileScript(e), { stdin: e.after ?? '' });
    if (needEmerge || notInWorld.length) {
      const flags = ['--quiet', '--noreplace', ...(useChanged.length ? ['--changed-use'] : [])];
      await host.exec(sh`emerge ${flags} -- ${atoms}`, { progress: true });
    }
    const after = await probe(host, cps);
    for (let i = 0; i < atoms.length; i++) {
      const inst = installedFor(after, parsed[i]);
      if (!inst) throw new Error(`emerge reported success but ${atoms[i]} is not installed`);
      const wanted = useMap.get(atoms[i]);
      if (wanted?.length) {
        const d = useDifference(inst, wanted);
        if (d.length) {
          throw new Error(
            `${inst.cpv} was built without the wanted USE (${d.join(' ')}): another package.use line or make.conf overrides drover's line`,
          );
        }
      }
    }
    return { changed: true, message: what, changes, detail, plan, versions: versionsOf(after, parsed, atoms) };
  },
});
