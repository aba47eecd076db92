// Holds the diffs of one phase per host, so hosts working in parallel never interleave their diffs.
import type { RunEvent } from '../events.ts';
import { unifiedDiff } from './diff.ts';

type ModuleEnd = Extract<RunEvent, { kind: 'module-end' }>;

export class PhaseDiffs {
  private byHost = new Map<string, ModuleEnd[]>();

  add(e: ModuleEnd): void {
    if (!e.changes?.length && !e.detail) return;
    const list = this.byHost.get(e.host) ?? [];
    list.push(e);
    this.byHost.set(e.host, list);
  }

  /** The diffs gathered since the last take, grouped by host in the order hosts first changed something. */
  take(color: boolean): string {
    const out: string[] = [];
    for (const [host, ends] of this.byHost) {
      for (const e of ends) {
        out.push(`${host}: ${e.title}${e.callsite ? `  (${e.callsite})` : ''}`);
        if (e.detail) out.push(e.detail.replace(/\n?$/, '\n'));
        for (const c of e.changes ?? []) out.push(unifiedDiff(c, { color }));
      }
    }
    this.byHost.clear();
    return out.join('\n');
  }
}
