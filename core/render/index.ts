// Picks the renderer for this run: listr2 on a terminal, plain lines otherwise, JSON on request.
import type { EventSink } from '../events.ts';
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
}

/** Async because listr2 (~20 ms to load) is imported only when a terminal will show it. */
export async function createRenderer(o: RendererOptions): Promise<EventSink> {
  const write = o.write ?? ((t: string) => void process.stdout.write(t));
  const tty = o.isTTY ?? Boolean(process.stdout.isTTY);
  const kind = o.kind ?? (tty && !process.env.CI ? 'listr' : 'plain');
  if (kind === 'json') return new JsonRenderer(write);
  if (kind === 'listr') {
    const { ListrRenderer } = await import('./listr.ts');
    return new ListrRenderer({ write, diff: o.diff, verbose: o.verbose });
  }
  return new PlainRenderer({ write, color: tty && !process.env.NO_COLOR, diff: o.diff, verbose: o.verbose });
}
