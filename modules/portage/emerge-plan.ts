// emerge's pure decisions: params + facts (the probe, Portage's own --pretend answer) → the report and the steps that make it true.
import { tail } from '../../core/errors.ts';
import type { FileChange } from '../../core/events.ts';
import { sh, type ShellCommand } from '../../core/sh.ts';
import type { CommandAnswer, EmergeFacts, Probe } from './emerge-facts.ts';
import { binarySuffix, binpkgOptions, emergeWith } from './emerge-binpkg.ts';
import { skippedUpdates } from './emerge-failure.ts';
import { checkDepFlags, checkFlags } from './emerge-flags.ts';
import { installedFor, needsOf, useDifference, versionsOf } from './emerge-needs.ts';
import { emergeFailureReason, parseDepclean, parseEmergePlan, renderPlan, type EmergePlan } from './emerge-pretend.ts';
import { emergeRequest, type EmergeParams, type EmergeRequest, type EmergeResult } from './emerge-request.ts';
import {
  checkExpected,
  merges,
  planEntryFor,
  updatesOf,
  useChangeMessage,
  type ExpectedVersion,
} from './emerge-update.ts';
import type { ConfigEdit } from './portage-config.ts';

// The request and the needs live in their own files; these names stay importable from here (emerge.ts, tests).
export { emergeRequest, type EmergeParams, type EmergeRequest, type EmergeResult } from './emerge-request.ts';
export { flagsQueryFor, inWorld, pretendFor, versionsOf } from './emerge-needs.ts';

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
  // USE for packages not among the atoms: Portage's word on each flag before its line is written
  if (r.state === 'present') checkDepFlags(r, p, f.deps);
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
    ...n.missing.map(
      (a) => `install ${a}${binarySuffix(r.binpkg, plan && planEntryFor(plan, r.parsed[r.atoms.indexOf(a)]))}`,
    ),
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
    ...binpkgOptions(r.binpkg),
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
      emerge: needEmerge || n.notInWorld.length ? emergeWith(r.binpkg, flags, r.atoms) : undefined,
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
