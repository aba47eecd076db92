// One line for a `progress` event: the long command's step and elapsed time, or the lost link's countdown.
import type { RunEvent } from '../events.ts';
import { clock } from '../transport/long-command.ts';

/** 42s, 14m, 2h05m: how long the command has been in its current step. */
function span(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

/**
 * The same event `ms` later: its clocks (elapsed, in its step, the link lost) advanced, so a view can keep
 * them running between events (they come every 5 s: a clock that stands still for 5 s looks stuck).
 */
export function progressLater<E extends Extract<RunEvent, { kind: 'progress' }>>(e: E, ms: number): E {
  return {
    ...e,
    elapsedMs: e.elapsedMs + ms,
    ...(e.stepMs !== undefined && { stepMs: e.stepMs + ms }),
    // The countdown never shows more than its budget: past it the next event says what happened.
    ...(e.link && { link: { ...e.link, lostMs: Math.min(e.link.budgetMs, e.link.lostMs + ms) } }),
  };
}

/** "link lost, command still running, reconnecting 0:12 / 5:00" or "(12 of 57) dev-lang/ghc-9.2.8 compile 14m, 1:02:03". */
export function progressText(e: Extract<RunEvent, { kind: 'progress' }>): string {
  if (e.link)
    return `link lost, command still running${e.link.pid ? ` (pid ${e.link.pid})` : ''}, reconnecting ${clock(e.link.lostMs)} / ${clock(e.link.budgetMs)}`;
  const step = e.step ? `${e.step} ${span(e.stepMs ?? 0)}, ` : 'running ';
  // A rerun waiting for the command an earlier run started: the line says so for as long as it waits.
  const attached = e.attached ? `re-attached to an earlier run's command (pid ${e.attached.pid}): ` : '';
  return `${attached}${step}${clock(e.elapsedMs)}`;
}
