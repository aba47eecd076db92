// Each wanted USE flag against what Portage says it would build (pure): a flag not in IUSE, one the profile (or the
// local overlay /etc/portage/profile) masks or forces, or one another package.use line overrides, named by file:line.
import { tail } from '../../core/errors.ts';
import { PROFILE_DIR, USE_DIR, type CommandAnswer, type Probe } from './emerge-facts.ts';
import { depsToCheck } from './emerge-needs.ts';
import type { EmergeRequest } from './emerge-request.ts';
import { emergeFailureReason, parseEmergePlan, type EmergePlan, type PlanEntry } from './emerge-pretend.ts';
import { planEntryFor } from './emerge-update.ts';
import { atomMatches, locationLines, parseAtom, type ConfigLine } from './portage-config.ts';

/** The config lines (in Portage's read order) of a location whose atom matches the package Portage would build. */
function linesFor(p: Probe, path: string, entry: PlanEntry): ConfigLine[] {
  const loc = p.locations[path];
  if (!loc) return [];
  return locationLines(loc).filter((l) => {
    if (l.atom === '*/*') return true;
    try {
      const atom = parseAtom(l.atom);
      return atom.cp === entry.cp && atomMatches(atom, entry.version, entry.slot ?? '0');
    } catch {
      // a line drover cannot parse is Portage's business; it cannot be the one named here
      return false;
    }
  });
}

/** Where a profile mask or force of `flag` comes from (an unclosed parenthesis): a line of /etc/portage/profile, else make.profile. */
function profileSource(p: Probe, entry: PlanEntry, flag: string, forced: boolean): string {
  const kind = forced ? 'force' : 'mask';
  const pkgLine = linesFor(p, `${PROFILE_DIR}/package.use.${kind}`, entry)
    .filter((l) => l.tokens.includes(flag))
    .pop();
  const globalLoc = p.locations[`${PROFILE_DIR}/use.${kind}`];
  // use.mask / use.force lines are bare flags: the parser takes the flag as the line's "atom"
  const globalLine =
    globalLoc &&
    locationLines(globalLoc)
      .filter((l) => l.atom === flag)
      .pop();
  const local = pkgLine ?? globalLine;
  if (local)
    return `the local profile overlay (${local.file}:${local.line} "${[local.atom, ...local.tokens].join(' ')}"`;
  return `the profile (use.${kind} / package.use.${kind} under /etc/portage/make.profile`;
}

/**
 * Each wanted flag against the package Portage would build (its plan entry, else its rebuild view; both asked
 * with drover's edits applied): a flag it does not have (a typo), one the profile masks or forces against the
 * wish (shown in parentheses: `(-lxc)`), or one that still comes out the other way because another
 * package.use line wins (a later file, a versioned atom: `>=cat/pkg-1.0 -flag`) fails before anything is
 * written, naming the file:line. drover does not override them: writing its line would change nothing.
 */
export function checkFlags(
  plan: EmergePlan | undefined,
  flags: EmergePlan | undefined,
  r: EmergeRequest,
  p: Probe,
): void {
  r.parsed.forEach((a, i) => {
    const wanted = r.useMap.get(r.atoms[i]);
    const entry = (plan && planEntryFor(plan, a)) ?? (flags && planEntryFor(flags, a));
    if (!entry || !wanted) return;
    // USE_EXPAND groups (PYTHON_TARGETS="python3_13") by their USE names (python_targets_python3_13)
    const all = Object.entries(entry.use).flatMap(([group, fl]) =>
      fl.map((x) => ({ ...x, flag: group === 'USE' ? x.flag : `${group.toLowerCase()}_${x.flag}` })),
    );
    for (const w of wanted) {
      const on = !w.startsWith('-');
      const flag = on ? w : w.slice(1);
      // `(-pypy%)`: removed from IUSE, shown only because the installed build had it
      const f = all.find((x) => x.flag === flag && !(x.forced && x.iuseChanged && !x.enabled));
      if (!f)
        throw new Error(
          `USE flag "${flag}" is not in IUSE of ${entry.cpv} (emerge shows: ${all.map((x) => x.flag).join(' ') || 'none'})`,
        );
      if (f.bound || f.enabled === on) continue;
      if (f.forced) {
        throw new Error(
          `USE flag "${flag}" of ${entry.cpv} is ${f.enabled ? 'forced on' : 'masked'} by ${profileSource(p, entry, flag, f.enabled)}; emerge shows (${f.enabled ? '' : '-'}${flag})): ` +
            `drover does not override the profile; drop "${w}" from use`,
        );
      }
      const opposite = on ? `-${flag}` : flag;
      const winner = linesFor(p, USE_DIR, entry)
        .filter((l) => l.tokens.includes(opposite) || l.tokens.includes(w))
        .pop();
      const where = winner?.tokens.includes(opposite)
        ? `${winner.file}:${winner.line} sets "${winner.atom} ${winner.tokens.join(' ')}", which Portage reads after drover's line`
        : 'no package.use line drover can see sets it (make.conf USE, package.env or the profile do)';
      throw new Error(
        `USE flag "${flag}" of ${entry.cpv} would be ${f.enabled ? 'on' : 'off'}, not ${on ? 'on' : 'off'} as asked: ${where}; ` +
          `drover will not fight it (remove "${opposite}" there)`,
      );
    }
  });
}

/**
 * USE for packages that are not among the atoms (dependencies, `use: { 'sys-cluster/drbd-utils': [...] }`), checked
 * before their package.use line is written, from Portage's view of each alone (`emerge --pretend --verbose --nodeps
 * --oneshot`, edits applied): a flag that version does not have, one the profile masks or forces, one another
 * line overrides, or a package Portage does not know, fails like the atoms' own flags. (Before issue 26 the line was
 * written unchecked: a typo stayed in package.use and only showed when something pulled the package in.)
 */
export function checkDepFlags(r: EmergeRequest, p: Probe, answer: CommandAnswer | undefined): void {
  const deps = depsToCheck(p, r);
  if (!deps.length) return;
  const what = `use for ${deps.join(' ')} (not among the atoms, so Portage was asked about ${deps.length > 1 ? 'them' : 'it'} alone)`;
  if (!answer) throw new Error(`${what}: no answer from Portage (a bug in the emerge module)`);
  if (answer.code !== 0) {
    const reason =
      emergeFailureReason(answer.stderr) ??
      emergeFailureReason(answer.stdout) ??
      tail(answer.stderr || answer.stdout, 5);
    throw new Error(`${what}: ${answer.command} exited ${answer.code}:\n${reason}`);
  }
  const plan = parseEmergePlan(answer.stdout);
  const parsed = deps.map(parseAtom);
  parsed.forEach((a, i) => {
    if (!planEntryFor(plan, a))
      throw new Error(
        `${what}: Portage's answer has no version of ${deps[i]}:\n${tail(`${answer.stdout}\n${answer.stderr}`, 5)}`,
      );
  });
  try {
    checkFlags(plan, undefined, { ...r, atoms: deps, parsed }, p);
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`);
  }
}
