// Renders an outline as text: a line per phase, an indented line per module call.
import type { ModuleCallOutline, OutlineItem } from './outline.ts';

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
export function formatOutline(items: readonly OutlineItem[]): string {
  const lines: string[] = [];
  for (const item of items) {
    if (item.kind === 'module-call') {
      lines.push(callLine(item, '! '));
      continue;
    }
    const how = item.target === null ? item.method : `${item.method} ${item.target}`;
    lines.push(`${item.name}  [${how}]  ${item.file}:${item.line}${item.conditional ? '  (conditional)' : ''}`);
    if (item.calls.length === 0) lines.push('  (no module calls found)');
    for (const c of item.calls) lines.push(callLine(c, '  '));
  }
  return lines.join('\n');
}
