// A sink in front of a renderer that adds each phase's `phase-diffs` event (identical diffs grouped) before its phase-end.
import type { EventSink, RunEvent } from '../events.ts';
import { PhaseDiffs } from './phase-diffs.ts';

/**
 * Renderers show diffs per phase from the one `phase-diffs` event this derives, so plain, terminal and JSON
 * group alike. It sits behind the runner's redaction (createRenderer builds it), so the diffs it groups
 * are already masked. Events are passed on unchanged: JSON consumers keep `module-end`'s `changes[].diff`.
 */
export class DiffGroupingSink implements EventSink {
  private diffs = new PhaseDiffs();
  private hostOrder: string[] = [];
  private phase: string | undefined;

  constructor(readonly inner: EventSink) {}

  emit(e: RunEvent): void {
    if (e.kind === 'phase-start') {
      this.phase = e.phase;
      this.hostOrder = e.hosts;
    } else if (e.kind === 'module-end') {
      this.diffs.add(e);
    } else if (e.kind === 'phase-end' || e.kind === 'recap') {
      // A recap without a phase-end before it (a stopped play) still shows what was changed.
      this.flush(e.kind === 'phase-end' ? e.phase : (this.phase ?? ''));
    }
    this.inner.emit(e);
  }

  private flush(phase: string): void {
    const groups = this.diffs.take(this.hostOrder);
    if (groups.length) this.inner.emit({ kind: 'phase-diffs', phase, groups });
  }

  end(): Promise<void> {
    return this.inner.end();
  }
}
