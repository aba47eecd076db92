// emerge's reading of Portage's plan for version changes (pure): which entry builds an atom, how a USE change or an
// `--update` is performed ("update net-misc/socat 1.7.4.4 -> 1.8.0.0"), and the versions the after-check must find.
import type { EmergePlan, PlanEntry } from './emerge-pretend.ts';
import { useChanges } from './emerge-pretend.ts';
import type { Needs } from './emerge-needs.ts';
import type { EmergeRequest } from './emerge-request.ts';
import type { Probe } from './emerge-facts.ts';
import type { ParsedAtom } from './portage-config.ts';

/** A version Portage's plan installs for an atom's package (an update): the after-check looks for it. */
export interface ExpectedVersion {
  cp: string;
  version: string;
}

/** The entry Portage's plan builds for an atom (ebuild or binary), if any. */
export function planEntryFor(plan: EmergePlan, atom: ParsedAtom): PlanEntry | undefined {
  return plan.entries.find((e) => e.cp === atom.cp && (e.kind === 'ebuild' || e.kind === 'binary'));
}

/** Entries of Portage's plan that merge something (not nomerge lines, not blockers). */
export function merges(plan: EmergePlan): PlanEntry[] {
  return plan.entries.filter((e) => e.kind === 'ebuild' || e.kind === 'binary');
}

/** "update cat/pkg 1.0 -> 1.1" (or downgrade) for an entry that replaces installed versions. */
function versionChange(e: PlanEntry): string {
  return `${e.action} ${e.cp} ${e.replaces.map((v) => v.replace(/::.*$/, '')).join(', ')} -> ${e.version}`;
}

/** How Portage's plan performs a USE change: "update app-misc/lab-iuse 1.0 -> 1.1 USE +extra" or "rebuild USE -drbd". */
export function useChangeMessage(
  u: Needs['useChanged'][number],
  atom: ParsedAtom,
  plan: EmergePlan | undefined,
): string {
  const e = plan && planEntryFor(plan, atom);
  if (!e) return `rebuild ${u.cpv} USE ${u.diff.join(' ')}`;
  const use = useChanges(e);
  const flags = ` USE ${(use.length ? use : u.diff).join(' ')}`;
  if (e.action === 'update' || e.action === 'downgrade') return `${versionChange(e)}${flags}`;
  return `rebuild ${e.cpv}${flags}`;
}

/**
 * What `--update` adds to the report: "update net-misc/socat 1.7.4.4 -> 1.8.0.0" for each version change in
 * Portage's plan (a downgrade when the installed version became masked), except atoms whose USE change
 * already says it; and the versions the after-check must find for the atoms' packages.
 */
export function updatesOf(
  plan: EmergePlan,
  r: EmergeRequest,
  n: Needs,
): { messages: string[]; expect: ExpectedVersion[] } {
  const saidByUse = new Set(n.useChanged.map((u) => r.parsed[r.atoms.indexOf(u.atom)].cp));
  const moved = merges(plan).filter((e) => e.action === 'update' || e.action === 'downgrade');
  return {
    messages: moved.filter((e) => !saidByUse.has(e.cp)).map(versionChange),
    expect: moved.filter((e) => r.cps.includes(e.cp)).map((e) => ({ cp: e.cp, version: e.version })),
  };
}

/** After an update: each planned version is installed (throws naming the package, what is there and what was planned). */
export function checkExpected(p: Probe, expect: readonly ExpectedVersion[]): void {
  for (const x of expect) {
    const have = (p.installed[x.cp] ?? []).map((i) => i.version);
    if (!have.includes(x.version))
      throw new Error(
        `emerge reported success but ${x.cp} is at ${have.join(', ') || 'nothing'}, not the planned ${x.version}`,
      );
  }
}
