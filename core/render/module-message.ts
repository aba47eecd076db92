// What a module line says after its title, shared by the terminal and plain renderers.
import type { RunEvent } from '../events.ts';
import { STILL_RUNNING } from '../transport/job-run.ts';

type ModuleEnd = Extract<RunEvent, { kind: 'module-end' }>;

/**
 * The message to print after a module's title, or undefined. An interrupted module's message
 * only repeats "<module> failed on <host>: interrupted before: <command>", and that command may be a
 * whole multi-line write script: the line's status and title already say what stopped, so it shows nothing more.
 */
export function moduleMessage(e: ModuleEnd): string | undefined {
  if (e.status === 'interrupted') {
    // Except where a command still runs on the host (Ctrl-C stopped waiting for it): that is news.
    const at = e.message?.indexOf(STILL_RUNNING) ?? -1;
    return at < 0 ? undefined : e.message!.slice(at);
  }
  return e.message || undefined;
}
