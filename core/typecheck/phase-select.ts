// --phase / --start-at, resolved against the outline: which phases run, and a refusal when a skipped phase's value is needed.
import { UsageError } from '../errors.ts';
import type { OutlineItem, PhaseOutline } from './outline-types.ts';

export interface PhaseChoice {
  /** --phase NAME (repeatable): only these top-level phases run. */
  phases?: readonly string[];
  /** --start-at NAME: this phase and every later one run. */
  startAt?: string;
}

export interface PhaseSelection {
  /** Why a phase of this name is left out at run time, or undefined to run it. */
  skip: (name: string) => string | undefined;
  /** Top-level phase names left out, in source order. */
  skipped: string[];
}

/**
 * Pure: the phases to run for `choice`. Throws UsageError for a name that is no top-level phase (listing
 * them), and when a phase left out stores a value that a phase that runs (or code outside any phase)
 * reads: at run time that value would be undefined, so the run is refused before any host is touched.
 */
export function selectPhases(items: readonly OutlineItem[], choice: PhaseChoice, playbook: string): PhaseSelection {
  const all = items.filter((i): i is PhaseOutline => i.kind === 'phase');
  const top = all.filter((p) => p.parent === undefined);
  const names = [...new Set(top.map((p) => p.name))];
  const check = (flag: string, name: string) => {
    if (names.includes(name)) return;
    const inner = all.find((p) => p.name === name && p.parent !== undefined);
    if (inner)
      throw new UsageError(
        `${flag} "${name}": that phase is inside the rolling phase "${inner.parent}" (${inner.file}:${inner.line}), which runs as a whole: use ${flag} "${inner.parent}"`,
      );
    throw new UsageError(
      `${flag} "${name}": ${playbook} has no phase of that name; its phases: ${names.map((n) => JSON.stringify(n)).join(', ') || 'none'}`,
    );
  };
  for (const n of choice.phases ?? []) check('--phase', n);
  if (choice.startAt !== undefined) check('--start-at', choice.startAt);

  let run = new Set(names);
  if (choice.phases?.length) run = new Set(choice.phases);
  let fromIndex = 0;
  if (choice.startAt !== undefined) {
    fromIndex = top.findIndex((p) => p.name === choice.startAt);
    const later = new Set(top.slice(fromIndex).map((p) => p.name));
    run = new Set([...run].filter((n) => later.has(n)));
  }
  // --start-at is followed at run time too: phases before the first phase of that name starts are
  // skipped, whatever their names (a phase started from a helper, a computed name), the rest run.
  let reached = choice.startAt === undefined;
  const reasonFor = (name: string): string | undefined => {
    if (!reached && name === choice.startAt) reached = true;
    if (!reached) return `before --start-at "${choice.startAt}"`;
    if (choice.phases?.length && !choice.phases.includes(name)) return 'not selected by --phase';
    return undefined;
  };
  const skippedPhases = top.filter((p) => !run.has(p.name));
  // Nothing left to run (--phase names only phases before --start-at): the body would run with every
  // phase's value undefined. Refused, saying how the two flags combine.
  if (run.size === 0 && (choice.phases?.length || choice.startAt !== undefined))
    throw new UsageError(
      `${playbook}: ${choice.phases?.length ? `--phase ${choice.phases.map((n) => JSON.stringify(n)).join(', ')} with ` : ''}--start-at ${JSON.stringify(choice.startAt)} selects no phase ` +
        `(--phase runs only the phases named; --start-at then leaves out those before it) — no host was contacted`,
    );

  const problems: string[] = [];
  for (const a of skippedPhases) {
    for (const v of a.produces ?? []) {
      for (const u of v.usedBy) {
        if (u.phase !== null && !run.has(u.phase)) continue;
        const reader = u.phase === null ? 'playbook code outside any phase' : `phase "${u.phase}"`;
        problems.push(
          `${v.variable} (the result of phase "${a.name}", ${v.file}:${v.line}) is read by ${reader} at ${u.file}:${u.line}`,
        );
      }
    }
  }
  if (problems.length) {
    // Transitively: a phase added for its value may itself read a value of another skipped phase.
    const wanted = new Set(run);
    for (let grew = true; grew; ) {
      grew = false;
      for (const a of skippedPhases) {
        if (wanted.has(a.name)) continue;
        if (a.produces?.some((v) => v.usedBy.some((u) => u.phase === null || wanted.has(u.phase)))) {
          wanted.add(a.name);
          grew = true;
        }
      }
    }
    const needed = names.filter((n) => wanted.has(n) && !run.has(n));
    // With --start-at, adding --phase would intersect (and select less): the hint names every phase instead.
    const hint =
      choice.startAt === undefined
        ? `Run those phases too (${needed.map((n) => `--phase ${JSON.stringify(n)}`).join(' ')}) or start earlier.`
        : `Run those phases too: ${names
            .filter((n) => wanted.has(n))
            .map((n) => `--phase ${JSON.stringify(n)}`)
            .join(' ')} (without --start-at), or start earlier.`;
    throw new UsageError(
      `${playbook}: the phases chosen need values from phases that would be skipped — no host was contacted:\n  ${[...new Set(problems)].join('\n  ')}\n` +
        hint,
    );
  }
  return { skip: reasonFor, skipped: [...new Set(skippedPhases.map((p) => p.name))] };
}
