// One phase on many hosts as a few terminal lines: counts, the failed hosts, the slowest ones still at work.
import pc from 'picocolors';
import { safeLine as L, safeLines } from './terminal-safe.ts';

/** Lines of a failed host's message (after its first) kept in the final frame: a command's stderr tail. */
const MESSAGE_LINES = 5;

type HostState = 'waiting' | 'running' | 'ok' | 'failed' | 'unreachable' | 'interrupted';

interface HostProgress {
  state: HostState;
  /** What the host is doing now (its module's title, or a progress line). */
  doing: string;
  /** When the current module started (ms, the clock's), for "slowest". */
  since: number;
  why?: string;
}

export interface SummaryOptions {
  /** Failed hosts listed by name (the rest counted); the recap has them all. */
  maxFailed?: number;
  /** Running hosts listed, slowest first. */
  maxSlow?: number;
  now?: () => number;
}

/**
 * The state of a phase on many hosts, updated per event in O(1), drawn as a frame of a few lines on
 * demand: `Prepare nodes  412/500 done · 3 failed · 85 running`, the failed hosts, the slowest running ones.
 */
export class PhaseSummary {
  private hosts = new Map<string, HostProgress>();
  private counts: Record<HostState, number> = {
    waiting: 0,
    running: 0,
    ok: 0,
    failed: 0,
    unreachable: 0,
    interrupted: 0,
  };
  private changed = 0;
  /** Failed or unreachable hosts in the order they failed. */
  private lost: string[] = [];
  private readonly started: number;
  private endedAt: number | undefined;
  private readonly now: () => number;
  private resolveDone!: () => void;
  /** Resolves once every host ended its part (or end() was called). */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(
    readonly phase: string,
    hosts: readonly string[],
    private readonly o: SummaryOptions = {},
  ) {
    this.now = o.now ?? (() => performance.now());
    this.started = this.now();
    for (const h of hosts) this.hosts.set(h, { state: 'waiting', doing: '', since: this.started });
    this.counts.waiting = this.hosts.size;
  }

  has(host: string): boolean {
    return this.hosts.has(host);
  }

  get finished(): boolean {
    return this.endedAt !== undefined;
  }

  private set(h: HostProgress, state: HostState): void {
    this.counts[h.state]--;
    this.counts[state]++;
    h.state = state;
  }

  moduleStart(host: string, title: string): void {
    const h = this.hosts.get(host);
    if (!h || (h.state !== 'waiting' && h.state !== 'running')) return;
    if (h.state === 'waiting') this.set(h, 'running');
    h.doing = title;
    h.since = this.now();
  }

  progress(host: string, line: string): void {
    const h = this.hosts.get(host);
    if (h?.state === 'running') h.doing = line;
  }

  moduleEnd(host: string, status: string): void {
    if (status === 'changed' && this.hosts.has(host)) this.changed++;
  }

  failure(host: string, why: string): void {
    const h = this.hosts.get(host);
    if (h) h.why ??= why;
  }

  hostEnd(host: string, status: 'ok' | 'failed' | 'unreachable' | 'interrupted'): void {
    const h = this.hosts.get(host);
    if (!h || h.state === status) return;
    if (status === 'failed' || status === 'unreachable') this.lost.push(host);
    this.set(h, status);
    if (this.counts.waiting + this.counts.running === 0) this.end();
  }

  /** Every host ended, or Ctrl-C / a stopped play: the phase is over, whatever its hosts were doing. */
  end(): void {
    if (this.endedAt !== undefined) return;
    this.endedAt = this.now();
    this.resolveDone();
  }

  /**
   * The lines to show now, each cut to `columns` (a wrapped line would break redrawing in place). Names,
   * titles and messages are made safe (L) before colouring: cut() then only meets drover's own colour codes.
   */
  frame(columns: number, o: { spinner?: string } = {}): string[] {
    const c = this.counts;
    const total = this.hosts.size;
    const lostCount = c.failed + c.unreachable;
    const done = c.ok + lostCount + c.interrupted;
    const secs = (((this.endedAt ?? this.now()) - this.started) / 1000).toFixed(1);
    const parts = [`${done}/${total} done`];
    if (c.failed) parts.push(pc.red(`${c.failed} failed`));
    if (c.unreachable) parts.push(pc.red(`${c.unreachable} unreachable`));
    if (c.interrupted) parts.push(pc.yellow(`${c.interrupted} interrupted`));
    if (c.running) parts.push(`${c.running} running`);
    if (c.waiting) parts.push(pc.dim(`${c.waiting} waiting`));
    if (this.changed) parts.push(pc.yellow(`${this.changed} changed`));
    const mark = this.finished
      ? lostCount
        ? pc.red('✖')
        : c.interrupted
          ? pc.yellow('!')
          : pc.green('✔')
      : pc.yellow(o.spinner ?? '…');
    const lines = [`${mark} ${pc.bold(L(this.phase))}  ${parts.join(pc.dim(' · '))}  ${pc.dim(`${secs} s`)}`];
    const maxFailed = this.o.maxFailed ?? 5;
    for (const host of this.lost.slice(0, maxFailed)) {
      const h = this.hosts.get(host)!;
      // A TAB would count as one column in cut() but take up to eight: a space keeps the frame's width true.
      const [first, ...more] = safeLines(h.why ?? '').map((l) => l.replace(/\t/g, ' '));
      lines.push(
        `  ${pc.red('✖')} ${L(host)}  ${pc.red(`${h.state === 'unreachable' ? 'UNREACHABLE' : 'FAILED'}${first ? `: ${first}` : ''}`)}`,
      );
      // Once the phase is over the frame stays on screen: then it shows the error's tail (stderr) too.
      if (this.finished) for (const line of more.slice(-MESSAGE_LINES)) lines.push(`      ${line}`);
    }
    if (this.lost.length > maxFailed)
      lines.push(pc.red(`  … and ${this.lost.length - maxFailed} more lost (the recap lists every host)`));
    if (!this.finished) {
      const now = this.now();
      const slow = this.slowest(this.o.maxSlow ?? 5);
      if (slow.length) lines.push(pc.dim(`  slowest running:`));
      for (const [host, h] of slow)
        lines.push(`    ${L(host)}  ${pc.dim(`${((now - h.since) / 1000).toFixed(1)} s`)}  ${L(h.doing)}`);
    }
    return lines.map((l) => cut(l, columns));
  }

  /** The n running hosts longest in their current module: one pass with a small sorted list, not a sort of all. */
  private slowest(n: number): [string, HostProgress][] {
    const top: [string, HostProgress][] = [];
    if (n <= 0) return top;
    for (const entry of this.hosts) {
      if (entry[1].state !== 'running') continue;
      if (top.length === n && entry[1].since >= top[n - 1][1].since) continue;
      let i = top.length;
      while (i > 0 && top[i - 1][1].since > entry[1].since) i--;
      top.splice(i, 0, entry);
      if (top.length > n) top.pop();
    }
    return top;
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** Cuts a line to `columns` visible characters, keeping colour codes (and resetting them if cut). */
export function cut(line: string, columns: number): string {
  if (line.replace(ANSI, '').length <= columns) return line;
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; ) {
    ANSI.lastIndex = i;
    const m = ANSI.exec(line);
    if (m && m.index === i) {
      out += m[0];
      i += m[0].length;
      continue;
    }
    if (visible === columns - 1) return out + '…\u001b[0m';
    out += line[i++];
    visible++;
  }
  return out;
}
