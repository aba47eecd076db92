// --json: one JSON object per event per line, diffs as unified text (secrets were masked before events exist);
// `phase-diffs` (from DiffGroupingSink) groups each phase's identical diffs with the hosts they apply to.
import type { EventSink, RunEvent } from '../events.ts';
import { jsonText } from '../inventory/json-text.ts';
import { unifiedDiff } from './diff.ts';

export class JsonRenderer implements EventSink {
  constructor(private readonly write: (text: string) => void) {}

  emit(e: RunEvent): void {
    let out: object = e;
    if (e.kind === 'module-end' && e.changes) {
      // Whole file bodies would bloat the stream; consumers get the same diff a human sees.
      const { changes, ...rest } = e;
      out = { ...rest, changes: changes.map((c) => ({ path: c.path, diff: unifiedDiff(c) })) };
    }
    // jsonText: an inventory int past 2^53 that reached an event is written as its digits (JSON.stringify throws).
    this.write(jsonText({ time: new Date().toISOString(), ...out }) + '\n');
  }

  async end(): Promise<void> {}
}
