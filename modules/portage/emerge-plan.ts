// emerge's pure decisions: params + facts (the probe, Portage's own --pretend answer) → the report and the steps that make it true.
import { tail } from '../../core/errors.ts';
import type { FileChange } from '../../core/events.ts';
import type { Result } from '../../core/module.ts';
import { sh, type ShellCommand } from '../../core/sh.ts';
import {
  depcleanPretendCommand,
  flagsPretendCommand,
  KW_DIR,
  KW_OLD,
  pretendCommand,
  USE_DIR,
  type CommandAnswer,
  type EmergeFacts,
  type ExtraKind,
  type InstalledPkg,
  type Probe,
} from './emerge-facts.ts';
import { extraEdits, extraRequest, type ExtraParams, type ExtraRequest } from './emerge-extra.ts';
import { skippedUpdates } from './emerge-failure.ts';
import { checkFlags } from './emerge-flags.ts';
import { emergeFailureReason, parseDepclean, parseEmergePlan, renderPlan, type EmergePlan } from './emerge-pretend.ts';
import {
  checkExpected,
  merges,
  planEntryFor,
  updatesOf,
  useChangeMessage,
  type ExpectedVersion,
} from './emerge-update.ts';
import {
  atomMatches,
  ensureAtomLine,
  expandUseTokens,
  locationLines,
  oppositeFlag,
  parseAtom,
  type ConfigEdit,
  type ConfigLocation,
  type ParsedAtom,
} from './portage-config.ts';

export interface EmergeParams extends ExtraParams {
  /**
   * Package atoms, every form Portage takes on the command line: "app-emulation/ganeti", ">=sys-fs/lvm2-2.03",
   * "dev-lang/python:3.12" (slot), "app-misc/lab-sub:0/2" (sub-slot), "net-misc/socat::gentoo", "cat/pkg[flag]".
   * Dependency-only forms (`:=`, `:*`, `[flag?]`, `!cat/pkg`) are refused before any host is contacted.
   */
  atoms: string | string[];
  /** present (default): installed with the wanted USE; absent: removed with `emerge --depclean ATOMS`. */
  state?: 'present' | 'absent';
  /**
   * USE flags ("kvm", "-lxc"; USE_EXPAND ones as "python_targets_python3_13" or "PYTHON_TARGETS: python3_13")
   * written to package.use: a list applies to every atom; a record gives them per
   * atom (keys may also be dependencies not in `atoms`: their line is written, but only listed atoms are rebuilt).
   * Flags not mentioned are left alone.
   */
  use?: string[] | Record<string, string[]>;
  /** Keyword to accept ("~amd64") in package.accept_keywords: for every atom, or per atom (keys may be dependencies). */
  keywords?: string | Record<string, string>;
  /** File name drover writes inside a package.use / package.accept_keywords directory (default "drover"). */
  configFile?: string;
  /** Run `emerge --sync` first (opt-in). It changes the host (the repository), so the call reports a change; --check does not sync. */
  sync?: boolean;
  /**
   * Update installed atoms to the best visible version, as `emerge --update --noreplace ATOMS` (not --deep):
   * Portage decides what is newer and visible (keywords, masks). Costs one read-only `emerge --pretend` per run.
   */
  update?: boolean;
}

export interface EmergeResult extends Result {
  /** Installed version per atom after the call (in --check: before it; null = absent). */
  versions: Record<string, string | null>;
  /** The parsed `emerge --pretend --verbose` plan, when emerge had work to do. */
  plan?: EmergePlan;
}

/** The params made explicit and checked: atoms trimmed and parsed, flags and keywords per atom. */
export interface EmergeRequest {
  atoms: string[];
  parsed: ParsedAtom[];
  cps: string[];
  state: 'present' | 'absent';
  useMap: Map<string, string[]>;
  kwMap: Map<string, string>;
  configFile: string;
  update: boolean;
  /** mask / unmask / license / env, checked. */
  extra: ExtraRequest;
  /** The extra config kinds asked for: the probe reads and stats their files. */
  extraKinds: ExtraKind[];
}

/** Flags as given, USE_EXPAND groups written out: ["PYTHON_TARGETS: python3_13"] → ["python_targets_python3_13"]. */
function useFlags(flags: readonly string[]): string[] {
  return expandUseTokens(flags.flatMap((f) => (typeof f === 'string' ? f.trim().split(/\s+/) : [f])));
}

/** USE flags wanted per atom, from either form of `use`. */
export function useByAtom(atoms: readonly string[], use: EmergeParams['use']): Map<string, string[]> {
  const m = new Map<string, string[]>();
  if (Array.isArray(use)) {
    if (use.length) for (const a of atoms) m.set(a, useFlags(use));
  } else if (use) for (const [a, flags] of Object.entries(use)) if (flags.length) m.set(a, useFlags(flags));
  return m;
}

/** Keyword wanted per atom, from either form of `keywords`. */
export function keywordsByAtom(atoms: readonly string[], kw: EmergeParams['keywords']): Map<string, string> {
  const m = new Map<string, string>();
  if (typeof kw === 'string') for (const a of atoms) m.set(a, kw);
  else if (kw) for (const [a, k] of Object.entries(kw)) m.set(a, k);
  return m;
}

/** Checks the params (pure; throws naming the param and value) and makes them explicit. */
export function emergeRequest(p: EmergeParams): EmergeRequest {
  const atoms = (Array.isArray(p.atoms) ? p.atoms : [p.atoms]).map((a) => (typeof a === 'string' ? a.trim() : a));
  if (atoms.length === 0 || atoms.some((a) => !a || typeof a !== 'string'))
    throw new Error('atoms must name at least one package');
  const parsed = atoms.map(parseAtom);
  const state = p.state ?? 'present';
  if (state !== 'present' && state !== 'absent')
    throw new Error(`state must be "present" or "absent", got ${JSON.stringify(state)}`);
  const useMap = useByAtom(atoms, p.use);
  const kwMap = keywordsByAtom(atoms, p.keywords);
  for (const [a, flags] of useMap) {
    parseAtom(a);
    for (const f of flags)
      if (!/^-?[A-Za-z0-9][A-Za-z0-9+_@-]*$/.test(f)) throw new Error(`"${f}" (for ${a}) is not a USE flag`);
  }
  for (const [a, k] of kwMap) {
    parseAtom(a);
    if (!/^(~?[a-z0-9-]+|\*\*|~\*)$/.test(k))
      throw new Error(`"${k}" (for ${a}) is not a keyword (expected e.g. "~amd64")`);
  }
  if (p.update !== undefined && typeof p.update !== 'boolean')
    throw new Error(`update must be true or false, got ${JSON.stringify(p.update)}`);
  const update = p.update === true;
  if (update && state === 'absent') throw new Error('update applies to state "present" only (state is "absent")');
  const configFile = p.configFile ?? 'drover';
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(configFile))
    throw new Error(`configFile must be a plain file name, got "${configFile}"`);
  const extra = extraRequest(atoms, p);
  if (state === 'absent' && extra.kinds.length)
    throw new Error(`${extra.kinds.join(', ')} apply to state "present" only (state is "absent")`);
  return {
    atoms,
    parsed,
    cps: [...new Set(parsed.map((a) => a.cp))],
    state,
    useMap,
    kwMap,
    configFile,
    update,
    extra,
    extraKinds: extra.kinds,
  };
}

/** The installed package an atom refers to (highest matching version), or undefined. */
function installedFor(p: Probe, atom: ParsedAtom): InstalledPkg | undefined {
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
    ? pretendCommand(r.atoms, n.edits, n.useChanged.length > 0, r.update)
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

/** A config file write: `path` as planned (shown in the diff), `target` the file replaced (a symlink's end). */
export interface ConfigWrite {
  path: string;
  target: string;
  content: string;
  /** An existing file's own mode and owner; a new file 0644 (and root's, the writer's). */
  mode: string;
  owner?: number;
  group?: number;
  /** The directory to create first (0755): package.use / package.accept_keywords did not exist. */
  makeDir?: string;
}

/** How the apply makes the plan true. */
export type EmergeSteps =
  | { kind: 'sync' }
  | { kind: 'install'; writes: ConfigWrite[]; emerge?: ShellCommand; expect?: ExpectedVersion[] }
  /** `remove`: the atoms depclean removes (the others Portage keeps, and the plan said so). */
  | { kind: 'remove'; depclean: ShellCommand; remove: string[] };

export interface EmergeDecision {
  result: EmergeResult;
  steps?: EmergeSteps;
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

/** The write for one edit, keeping the existing file's mode and owner (issue 14: new files 0644, not mktemp's 0600). */
export function configWrite(p: Probe, e: ConfigEdit): ConfigWrite {
  const st = p.managed[e.path];
  if (!st) throw new Error(`the probe did not stat ${e.path} (a bug in the emerge module)`);
  const content = e.after ?? '';
  if (st.kind === 'absent')
    return { path: e.path, target: e.path, content, mode: '0644', ...(e.createDir ? { makeDir: dirOf(e.path) } : {}) };
  if (st.kind !== 'file')
    throw new Error(
      `${e.path}${st.realPath !== e.path ? ` (-> ${st.realPath})` : ''} is a ${st.kind}, not a file drover can write (configFile names drover's file)`,
    );
  const target = st.linkTarget !== undefined && st.realPath ? st.realPath : e.path;
  return { path: e.path, target, content, mode: st.mode!, owner: st.uid, group: st.gid };
}

/** Portage's refusal, quoted: its own reason lines ("masked by", REQUIRED_USE, no ebuilds), else its stderr tail. */
function refused(a: CommandAnswer): Error {
  // stderr first: read after it, stdout's "These are the packages..." header would join the reason
  const reason =
    emergeFailureReason(a.stderr) ?? emergeFailureReason(a.stdout) ?? (tail(a.stderr) || tail(a.stdout, 5));
  return new Error(`${a.command} exited ${a.code}:\n${reason}`);
}

/** The whole decision (pure): the report, and the steps that make it true. */
export function planEmerge(params: EmergeParams, f: EmergeFacts): EmergeDecision {
  const r = emergeRequest(params);
  const p = f.probe;
  if (!p.hasEmerge) throw new Error('no `emerge` command on this host (is it Gentoo?)');
  if (params.sync) {
    // The rest is planned again after the sync, against the fresh tree: this plan only says what is known now.
    const rest = r.state === 'absent' ? planRemove(r, p, undefined) : planInstall(r, p, undefined);
    const message = ['sync the Portage tree', rest.result.changed ? rest.result.message : undefined]
      .filter(Boolean)
      .join('; ');
    return { result: { ...rest.result, changed: true, message }, steps: { kind: 'sync' } };
  }
  return r.state === 'absent' ? planRemove(r, p, f.pretend) : planInstall(r, p, f.pretend, f.flags);
}

/**
 * `pretend` undefined only under sync (Portage is asked after the sync). Portage keeps a package another
 * one needs (real `emerge --depclean` then exits 1 with "No packages selected for removal"): that atom is
 * reported as kept, with Portage's "pulled in by" lines, and is not removed; the others are.
 */
function planRemove(r: EmergeRequest, p: Probe, pretend: CommandAnswer | undefined): EmergeDecision {
  const present = r.atoms.filter((_, i) => installedFor(p, r.parsed[i]));
  if (present.length === 0) return { result: { changed: false, versions: versionsOf(p, r) } };
  let remove = present;
  let kept: string[] = [];
  let detail: string | undefined;
  if (pretend) {
    if (pretend.code !== 0) throw refused(pretend);
    const d = parseDepclean(pretend.stdout);
    const selected = new Set(d.selected);
    const goes = (a: string) => selected.has(installedFor(p, r.parsed[r.atoms.indexOf(a)])!.cpv);
    remove = present.filter(goes);
    kept = present.filter((a) => !goes(a));
    const why = d.kept.map((k) => [`${k.cpv} pulled in by:`, ...k.by.map((b) => `  ${b}`)].join('\n')).join('\n');
    detail = [remove.length ? `unmerge ${d.selected.join(' ')}` : '', why].filter(Boolean).join('\n') || undefined;
  }
  const keptMsg = kept.length ? `kept ${kept.join(' ')} (other packages need it)` : undefined;
  const versions = Object.fromEntries(
    r.atoms.map((a, i) => [a, remove.includes(a) ? null : (installedFor(p, r.parsed[i])?.version ?? null)]),
  );
  if (!remove.length) return { result: { changed: false, message: keptMsg, detail, versions } };
  return {
    result: {
      changed: true,
      message: [`remove ${remove.join(' ')}`, keptMsg].filter(Boolean).join('; '),
      detail,
      versions,
    },
    steps: { kind: 'remove', depclean: sh`emerge --depclean -- ${remove}`, remove },
  };
}

function planInstall(
  r: EmergeRequest,
  p: Probe,
  pretend: CommandAnswer | undefined,
  flagsAnswer?: CommandAnswer,
): EmergeDecision {
  const n = needsOf(p, r);
  const versions = versionsOf(p, r);
  const needBuild = n.missing.length > 0 || n.useChanged.length > 0;
  // Under update Portage was asked even when the probe sees nothing to do: its plan says whether a newer version is visible.
  let plan: EmergePlan | undefined;
  if ((needBuild || r.update) && pretend) {
    if (pretend.code !== 0) throw refused(pretend);
    plan = parseEmergePlan(pretend.stdout);
    const blocked = plan.entries.find((e) => e.action === 'blocker' && /\[blocks B/.test(e.line));
    if (blocked) throw new Error(`${pretend.command}: unresolved blocker:\n${blocked.line}`);
    // An update Portage leaves out (a slot-operator dependant holds the old version) is not "up to date".
    const skipped = r.update ? skippedUpdates(`${pretend.stdout}\n${pretend.stderr}`) : undefined;
    if (skipped)
      throw new Error(
        `${pretend.command}: Portage skips an update, so the atoms would not be up to date (resolve the conflict, e.g. update or rebuild the package named below):\n${skipped}`,
      );
    checkFlags(plan, flagsAnswer?.code === 0 ? parseEmergePlan(flagsAnswer.stdout) : undefined, r, p);
  }
  const updates = r.update && plan ? updatesOf(plan, r, n) : { messages: [], expect: [] };
  // --update: anything Portage would merge is work (an update, a dependency the newer version needs).
  const needEmerge = needBuild || (r.update && plan !== undefined && merges(plan).length > 0);
  if (!n.edits.length && !needEmerge && !n.notInWorld.length) return { result: { changed: false, versions } };
  const writes = n.edits.map((e) => configWrite(p, e));
  const message = [
    ...n.missing.map((a) => `install ${a}`),
    ...n.useChanged.map((u) => useChangeMessage(u, r.parsed[r.atoms.indexOf(u.atom)], plan)),
    ...updates.messages,
    ...n.notInWorld.map((a) => `add ${a} to world`),
    ...n.edits.map((e) => `edit ${e.path}`),
  ];
  // A plan whose only merges are neither the atoms nor updates (a rebuild Portage forces): named from the plan.
  if (needEmerge && !needBuild && !updates.messages.length)
    message.unshift(...merges(plan!).map((e) => `${e.action} ${e.cpv}`));
  const changes: FileChange[] = n.edits.map((e) => ({ path: e.path, before: e.before, after: e.after }));
  const flags = [
    '--quiet',
    ...(r.update ? ['--update'] : []),
    '--noreplace',
    ...(n.useChanged.length ? ['--changed-use'] : []),
  ];
  return {
    result: {
      changed: true,
      message: message.join('; '),
      changes,
      detail: plan ? renderPlan(plan) : undefined,
      plan,
      versions,
    },
    steps: {
      kind: 'install',
      writes,
      emerge: needEmerge || n.notInWorld.length ? sh`emerge ${flags} -- ${r.atoms}` : undefined,
      ...(updates.expect.length ? { expect: updates.expect } : {}),
    },
  };
}

/** After the emerge: every atom installed, with the wanted USE, and the versions an update planned (pure; throws saying what is off). */
export function checkInstalled(p: Probe, r: EmergeRequest, expect: readonly ExpectedVersion[] = []): void {
  checkExpected(p, expect);
  r.atoms.forEach((a, i) => {
    const inst = installedFor(p, r.parsed[i]);
    if (!inst) throw new Error(`emerge reported success but ${a} is not installed`);
    const wanted = r.useMap.get(a) ?? [];
    const unknown = wanted.map((w) => w.replace(/^-/, '')).filter((f) => !inst.iuse.includes(f));
    if (unknown.some((f) => wanted.includes(f)))
      throw new Error(
        `${inst.cpv} was installed, but USE flag "${unknown.find((f) => wanted.includes(f))}" is not in its IUSE (${inst.iuse.join(' ') || 'none'})`,
      );
    const d = useDifference(inst, wanted);
    if (d.length)
      throw new Error(
        `${inst.cpv} was built without the wanted USE (${d.join(' ')}): another package.use line, package.env or make.conf overrides drover's line`,
      );
  });
}

/** After a depclean: which of the atoms it was to remove are still installed (kept ones are not its business). */
export function stillInstalled(p: Probe, r: EmergeRequest, removed: readonly string[]): string[] {
  return r.atoms.filter((a, i) => removed.includes(a) && installedFor(p, r.parsed[i]));
}
