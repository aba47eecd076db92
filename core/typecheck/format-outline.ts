// Renders an outline as text: a line per phase, an indented line per module call.
import { failureBudget, planBatches, type BatchSize, type MaxFailed } from '../engine/rolling.ts';
import type { ModuleCallOutline, OutlineItem, PhaseOutline } from './outline-types.ts';

function callLine(c: ModuleCallOutline, indent: string): string {
  const notes: string[] = [];
  if (c.phase === null) notes.push('outside any phase');
  if (c.conditional) notes.push('conditional');
  if (c.via) notes.push(`via ${c.via.fn} at ${c.via.file}:${c.via.line}`);
  const what = c.title ? `${c.module} ${c.title}` : c.module;
  return `${indent}${what}  ${c.file}:${c.line}${notes.length ? `  (${notes.join(', ')})` : ''}`;
}

/**
 *     Prepare  [each]  playbooks/ganeti.ts:12
 *       sysfile /etc/hosts  playbooks/ganeti.ts:42  (conditional)
 *     ! sysfile /etc/motd  playbooks/ganeti.ts:80  (outside any phase)
 */
export function formatOutline(items: readonly OutlineItem[], opts: { hosts?: readonly string[] } = {}): string {
  const lines: string[] = [];
  for (const item of items) {
    if (item.kind === 'module-call') {
      lines.push(callLine(item, '! '));
      continue;
    }
    // A batch's phases sit under their rolling phase.
    const indent = item.parent !== undefined ? '  ' : '';
    const how = item.rolling
      ? `rolling batch ${item.rolling.batch}${item.rolling.maxFailed ? `, maxFailed ${item.rolling.maxFailed}` : ''}`
      : item.target === null
        ? item.method
        : `${item.method} ${item.target}`;
    const notes = [
      ...(item.conditional ? ['conditional'] : []),
      ...(item.via ? [`via ${item.via.fn} at ${item.via.file}:${item.via.line}`] : []),
    ];
    lines.push(
      `${indent}${item.name}  [${how}]  ${item.file}:${item.line}${notes.length ? `  (${notes.join(', ')})` : ''}`,
    );
    if (item.rolling) {
      const plan = opts.hosts ? batchPlan(item, opts.hosts) : undefined;
      if (plan) lines.push(`  ${plan}`);
      continue;
    }
    for (const v of item.produces ?? []) {
      const readers = v.usedBy.map(
        (u) => `${u.phase === null ? 'code outside any phase' : JSON.stringify(u.phase)} at ${u.file}:${u.line}`,
      );
      lines.push(`${indent}  => produces ${v.variable} (${v.file}:${v.line}), read by ${readers.join(', ')}`);
    }
    if (item.calls.length === 0) lines.push(`${indent}  (no module calls found)`);
    for (const c of item.calls) lines.push(callLine(c, `${indent}  `));
  }
  const read = factNames(items);
  if (read.length) lines.push(`facts read: ${read.join(', ')}`);
  return lines.join('\n');
}

/** The facts the playbook reads (`facts(host, ...)` calls, listed as module `facts`), each once, in order. */
function factNames(items: readonly OutlineItem[]): string[] {
  const calls = items.flatMap((i) => (i.kind === 'module-call' ? [i] : i.calls));
  const names = calls.filter((c) => c.module === 'facts').flatMap((c) => c.title.split(', '));
  return [...new Set(names)];
}

/** `batches: [a] [b c] [d e]; may lose 1 of 5 hosts` from literal options, assuming every host reaches the phase. */
function batchPlan(p: PhaseOutline, hosts: readonly string[]): string {
  const r = p.rolling!;
  if (r.batchValue === null) return '(batches: computed at run time, the batch option is not a literal)';
  try {
    const batches = planBatches(hosts, r.batchValue as BatchSize | BatchSize[]);
    const budget =
      r.maxFailedValue === null
        ? 'failure budget computed at run time'
        : `may lose ${failureBudget(r.maxFailedValue as MaxFailed | undefined, hosts.length)} of ${hosts.length} hosts`;
    return `batches: ${batches.map((b) => `[${b.join(' ')}]`).join(' ')}; ${budget}`;
  } catch (err) {
    return `(batches: ${(err as Error).message})`;
  }
}
