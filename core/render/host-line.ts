// One host's line in the terminal view: its counts, the module at work, and in a rolling turn the steps it took (drain, migrate, restart, …), composed to fit the terminal.
import pc from 'picocolors';
import type { ListrTaskWrapper } from 'listr2';

export interface HostLine {
  done: (error?: Error) => void;
  task?: ListrTaskWrapper<unknown, never, never>;
  counts: { ok: number; changed: number; skipped: number };
  /** The host's output row: the module at work, or the last one's outcome. Kept here too because a
   * host often starts its first module before Listr has started the host's task. */
  last?: string;
  failures: string[];
  /** Its phase is over for this host: later events of the host (a call on the master while a node is maintained) go elsewhere. */
  ended?: boolean;
  /**
   * A rolling turn keeps its finished steps under the host (a node's drain, migrate, restart, undrain and
   * verify must all stay readable, not each replace the one before); undefined elsewhere, where a host
   * shows only its last line and many hosts fit.
   */
  steps?: string[];
  /** The step at work now (a module started, its progress); undefined between steps. */
  atWork?: string;
  /** A long command's progress on this line, whose clock the view advances every second until the next event. */
  ticking?: { since: number; text: (ms: number) => string };
}

export function newHostLine(done: (error?: Error) => void, keepSteps: boolean): HostLine {
  return { done, counts: { ok: 0, changed: 0, skipped: 0 }, failures: [], ...(keepSteps && { steps: [] }) };
}

/** `3 ok, 2 changed`: the title's counts. */
export function countsText(h: HostLine): string {
  const parts = [`${h.counts.ok} ok`];
  if (h.counts.changed) parts.push(pc.yellow(`${h.counts.changed} changed`));
  if (h.counts.skipped) parts.push(pc.cyan(`${h.counts.skipped} skipped`));
  return pc.dim(parts.join(', '));
}

/** `changed`, `✔`, `skipped`, `interrupted` or `✖`: a finished module call's mark. */
export function endMark(status: string): string {
  if (status === 'changed') return pc.yellow('changed');
  if (status === 'ok') return pc.green('✔');
  if (status === 'skipped') return pc.cyan('skipped');
  if (status === 'interrupted') return pc.yellow('interrupted');
  return pc.red('✖');
}

/** Our own colour codes (picocolors): the only escape sequences left in terminal-safe text. */
const SGR = /\x1b\[[0-9;]*m/y;

/**
 * `text` (already terminal-safe) cut to `width` visible characters, an ellipsis marking the cut. Colour
 * codes take no room on screen: counting them cut coloured lines ~10 columns early whenever colours were
 * on (a terminal, or CI=true), and a cut could split one and leave the terminal coloured.
 */
export function clip(text: string, width: number): string {
  const max = Math.max(1, width);
  let visible = 0;
  let out = '';
  let coloured = false;
  for (let i = 0; i < text.length; ) {
    SGR.lastIndex = i;
    const code = SGR.exec(text);
    if (code) {
      out += code[0];
      coloured = true;
      i += code[0].length;
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    if (visible === max - 1 && hasVisibleAfter(text, i + ch.length)) return `${out}…${coloured ? '\x1b[0m' : ''}`;
    out += ch;
    visible++;
    i += ch.length;
  }
  return out;
}

/** Whether anything but colour codes follows position `i`. */
function hasVisibleAfter(text: string, i: number): boolean {
  return text.slice(i).replace(/\x1b\[[0-9;]*m/g, '').length > 0;
}

/**
 * What the host's output rows show now. Without a step log: its last line. With one: the finished steps,
 * then the step at work, at most `rows` rows of `width` characters each (a frame taller than the terminal
 * cannot be redrawn in place: the terminal scrolls and every redraw leaves a copy behind), the oldest steps
 * folded into one "… N earlier steps" row.
 */
export function hostOutput(h: HostLine, rows: number, width: number): string | undefined {
  if (!h.steps || rows < 2) return h.last;
  const lines = [...h.steps, ...(h.atWork ? [h.atWork] : [])];
  if (lines.length > rows) {
    const hidden = lines.length - rows + 1;
    lines.splice(0, hidden, `… ${hidden} earlier step${hidden === 1 ? '' : 's'}`);
  }
  return lines.map((l) => clip(l, width)).join('\n') || undefined;
}
