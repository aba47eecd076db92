// What the probe says must change (pure): config edits, atoms to install, USE rebuilds, world entries; and the
// read-only questions Portage is asked next (its --pretend plan, a rebuild's view of the flags).
import type { ShellCommand } from '../../core/sh.ts';
import {
  depcleanPretendCommand,
  flagsPretendCommand,
  nodepsPretendCommand,
  KW_DIR,
  KW_OLD,
  pretendCommand,
  USE_DIR,
  type CommandAnswer,
  type InstalledPkg,
  type Probe,
} from './emerge-facts.ts';
import { extraEdits } from './emerge-extra.ts';
import { parseEmergePlan } from './emerge-pretend.ts';
import type { EmergeRequest } from './emerge-request.ts';
import { planEntryFor } from './emerge-update.ts';
import {
  atomMatches,
  ensureAtomLine,
  locationLines,
  oppositeFlag,
  type ConfigEdit,
  type ConfigLocation,
  type ParsedAtom,
} from './portage-config.ts';

/** The installed package an atom refers to (highest matching version), or undefined. */
export function installedFor(p: Probe, atom: ParsedAtom): InstalledPkg | undefined {
  return (p.installed[atom.cp] ?? []).find((i) => atomMatches(atom, i.version, i.slot, i.use));
}

export function versionsOf(p: Probe, r: EmergeRequest): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  r.parsed.forEach((a, i) => (out[r.atoms[i]] = installedFor(p, a)?.version ?? null));
  return out;
}

/**
 * Flags whose installed state differs from the wanted one: ["+lxc", "-drbd"]. A flag the installed build
 * does not have counts as off: the ebuild Portage would build may have it (IUSE grows between versions),
 * so whether it exists is Portage's plan to say, not the installed IUSE's.
 */
export function useDifference(pkg: InstalledPkg, wanted: readonly string[]): string[] {
  const diff: string[] = [];
  for (const w of wanted) {
    const on = !w.startsWith('-');
    const flag = on ? w : w.slice(1);
    if (pkg.use.includes(flag) !== on) diff.push(`${on ? '+' : '-'}${flag}`);
  }
  return diff;
}

/** Config edits for all atoms (pure): later atoms see earlier edits, so two atoms in one call share one file. */
export function planConfigEdits(p: Probe, r: EmergeRequest): ConfigEdit[] {
  const edits: ConfigEdit[] = [];
  let useLoc = p.locations[USE_DIR] ?? { kind: 'absent', path: USE_DIR };
  let kwLoc = p.locations[KW_DIR] ?? { kind: 'absent', path: KW_DIR };
  const kwOld = locationLines(p.locations[KW_OLD] ?? { kind: 'absent', path: KW_OLD });
  const withEdit = (loc: ConfigLocation, e: ConfigEdit): ConfigLocation => {
    if (loc.kind === 'file') return { ...loc, content: e.after ?? '' };
    const files = loc.kind === 'dir' ? loc.files.filter((f) => f.path !== e.path) : [];
    return { kind: 'dir', path: loc.path, files: [...files, { path: e.path, content: e.after ?? '' }] };
  };
  const merge = (e: ConfigEdit | null): void => {
    if (!e) return;
    const prev = edits.find((x) => x.path === e.path);
    if (prev) prev.after = e.after;
    else edits.push(e);
  };
  for (const atom of [...new Set([...r.kwMap.keys(), ...r.useMap.keys()])]) {
    const kw = r.kwMap.get(atom);
    if (kw) {
      const e = ensureAtomLine(kwLoc, atom, [kw], {
        configFile: r.configFile,
        what: 'package.accept_keywords',
        alsoRead: kwOld,
        noTokensMeans: '~amd64',
      });
      merge(e);
      if (e) kwLoc = withEdit(kwLoc, e);
    }
    const flags = r.useMap.get(atom);
    if (flags?.length) {
      const e = ensureAtomLine(useLoc, atom, flags, {
        configFile: r.configFile,
        what: 'package.use',
        opposite: oppositeFlag,
      });
      merge(e);
      if (e) useLoc = withEdit(useLoc, e);
    }
  }
  for (const e of extraEdits(p, r.extra, r.configFile)) merge(e);
  return edits;
}

/** What must change before Portage is asked: config edits, atoms to install, USE rebuilds, world entries. */
export interface Needs {
  edits: ConfigEdit[];
  missing: string[];
  /** Installed atoms whose USE differs: the atom, the installed version and the flags ("-drbd"). */
  useChanged: { atom: string; cpv: string; diff: string[] }[];
  notInWorld: string[];
}

/** A world entry's package: `cat/pkg:0` and `cat/pkg::repo` name cat/pkg (Portage writes slots for slotted packages). */
export function worldPackage(entry: string): string {
  return entry.replace(/::.*$/, '').replace(/:.*$/, '');
}

/** A world entry's slot ("2" of `cat/pkg:2/1::repo`), or undefined for an unslotted entry. */
function worldSlot(entry: string): string | undefined {
  return /^[^:]+:([^:/]+)/.exec(entry.replace(/::.*$/, ''))?.[1];
}

/**
 * Is the atom in world? An unslotted atom: any entry for its package. A slotted one (other than slot 0): an
 * entry for that slot. `cat/pkg` alone keeps only the best version's slot on `emerge --depclean`, so a
 * second slot without its own entry (`cat/pkg:2`) would be removed; `emerge --noreplace cat/pkg:2` records it.
 */
export function inWorld(world: readonly string[], atom: ParsedAtom): boolean {
  const slot = atom.slot?.split('/')[0];
  return world.some((w) => {
    if (worldPackage(w) !== atom.cp) return false;
    if (slot === undefined || slot === '0') return true;
    return worldSlot(w) === slot;
  });
}

export function needsOf(p: Probe, r: EmergeRequest): Needs {
  const edits = planConfigEdits(p, r);
  const missing = r.atoms.filter((_, i) => !installedFor(p, r.parsed[i]));
  const useChanged: Needs['useChanged'] = [];
  r.atoms.forEach((a, i) => {
    const inst = installedFor(p, r.parsed[i]);
    const wanted = r.useMap.get(a);
    if (!inst || !wanted?.length) return;
    const diff = useDifference(inst, wanted);
    if (diff.length) useChanged.push({ atom: a, cpv: inst.cpv, diff });
  });
  const notInWorld = r.atoms.filter((_, i) => installedFor(p, r.parsed[i]) && !inWorld(p.world, r.parsed[i]));
  return { edits, missing, useChanged, notInWorld };
}

/**
 * The read-only question the facts step asks Portage after the probe, or undefined when there is none:
 * `--pretend --depclean` for atoms to remove, `--pretend` (with the edits applied) for atoms to build;
 * with `update`, always `--pretend --update` (only Portage knows whether a newer version is visible).
 * With `sync` nothing is asked: Portage's answer depends on the tree the sync fetches (the apply asks again).
 */
export function pretendFor(
  r: EmergeRequest,
  p: Probe,
  sync: boolean,
): { command: ShellCommand; shown: string; stdin?: string } | undefined {
  if (!p.hasEmerge || sync) return undefined;
  if (r.state === 'absent') {
    const present = r.atoms.filter((_, i) => installedFor(p, r.parsed[i]));
    return present.length ? depcleanPretendCommand(present) : undefined;
  }
  const n = needsOf(p, r);
  return n.missing.length || n.useChanged.length || r.update
    ? pretendCommand(r.atoms, n.edits, n.useChanged.length > 0, r.update, r.binpkg)
    : undefined;
}

/**
 * The second read-only question, after Portage's plan: installed packages whose USE is to change but which
 * the plan leaves out (the profile masks or forces the flag, or no version has it). Asking how a rebuild
 * would set their flags shows why, before anything is written. Undefined when the plan covers them all.
 */
export function flagsQueryFor(
  r: EmergeRequest,
  p: Probe,
  pretend: CommandAnswer,
): { command: ShellCommand; shown: string; stdin?: string } | undefined {
  if (r.state !== 'present' || pretend.code !== 0) return undefined;
  const plan = parseEmergePlan(pretend.stdout);
  const n = needsOf(p, r);
  const left = n.useChanged.filter((u) => !planEntryFor(plan, r.parsed[r.atoms.indexOf(u.atom)]));
  return left.length
    ? flagsPretendCommand(
        left.map((u) => u.cpv),
        n.edits,
      )
    : undefined;
}

/**
 * USE keys that are not among the atoms (dependencies) and whose package.use line would change: Portage is asked
 * about them before the line is written (a line already there is not asked about again: no extra round trip).
 */
export function depsToCheck(p: Probe, r: EmergeRequest): string[] {
  const useLoc = p.locations[USE_DIR] ?? { kind: 'absent', path: USE_DIR };
  return [...r.useMap.keys()].filter(
    (a) =>
      !r.atoms.includes(a) &&
      ensureAtomLine(useLoc, a, r.useMap.get(a) ?? [], {
        configFile: r.configFile,
        what: 'package.use',
        opposite: oppositeFlag,
      }) !== null,
  );
}

/** The read-only question about those dependencies (with every edit applied), or undefined when there are none. */
export function depsQueryFor(
  r: EmergeRequest,
  p: Probe,
): { command: ShellCommand; shown: string; stdin?: string } | undefined {
  if (!p.hasEmerge || r.state !== 'present') return undefined;
  const deps = depsToCheck(p, r);
  return deps.length ? nodepsPretendCommand(deps, needsOf(p, r).edits) : undefined;
}
