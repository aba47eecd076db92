// Picks the renderer for this run: listr2 on a terminal, plain lines otherwise, JSON on request.
import type { EventSink } from '../events.ts';
import { DiffGroupingSink } from './group-diffs.ts';
import { JsonRenderer } from './json.ts';
import { PlainRenderer } from './plain.ts';

export type RendererKind = 'listr' | 'plain' | 'json';

export interface RendererOptions {
  kind?: RendererKind;
  diff: boolean;
  verbose: boolean;
  /** Defaults to process.stdout. */
  write?: (text: string) => void;
  isTTY?: boolean;
  /** The terminal's height (default process.stdout.rows): above it, a phase is summarised, not drawn per host. */
  rows?: number;
}

/** Async because listr2 (~20 ms to load) is imported only when a terminal will show it. */
export async function createRenderer(o: RendererOptions): Promise<EventSink> {
  const write = o.write ?? ((t: string) => void process.stdout.write(t));
  const tty = o.isTTY ?? Boolean(process.stdout.isTTY);
  // A terminal that reports no size (a pty whose size was never set, e.g. `script` writing into a pipe)
  // cannot be drawn on: listr2 would wrap every character. It gets plain lines, as a pipe does.
  const sized = o.isTTY !== undefined || (Boolean(process.stdout.columns) && Boolean(process.stdout.rows));
  const kind = o.kind ?? (tty && sized && !process.env.CI ? 'listr' : 'plain');
  // JSON always carries diffs (module-end's changes), so it always gets the grouped phase-diffs too.
  const grouped = (sink: EventSink): EventSink => (o.diff || kind === 'json' ? new DiffGroupingSink(sink) : sink);
  if (kind === 'json') return notThenable(grouped(new JsonRenderer(write)));
  if (kind === 'listr') {
    const { ListrRenderer } = await import('./listr.ts');
    return notThenable(grouped(new ListrRenderer({ write, diff: o.diff, verbose: o.verbose, rows: o.rows })));
  }
  return notThenable(
    grouped(new PlainRenderer({ write, color: tty && !process.env.NO_COLOR, diff: o.diff, verbose: o.verbose })),
  );
}

/**
 * An async function resolves a returned object that has a `then` method as a promise: a renderer
 * with a method named `then` came out of createRenderer as undefined, and every terminal run died on
 * `.emit`. The type rejects such a class at compile time (even a private `then`); the check names it at run time.
 */
function notThenable<S extends EventSink & { then?: never }>(sink: S): S {
  if (typeof (sink as { then?: unknown }).then === 'function')
    throw new TypeError(
      `${sink.constructor.name} has a method named then: it cannot be returned from an async function`,
    );
  return sink;
}
