// TTY progress view: a listr2 task per phase, a line per host showing the module at work; a phase on more
// hosts than fit the terminal is summarised in a few lines instead (counts, failed hosts, the slowest at work).
import { Listr, type ListrTaskWrapper } from 'listr2';
import pc from 'picocolors';
import { unhandledEvent, type EventSink, type RunEvent } from '../events.ts';
import { moduleMessage } from './module-message.ts';
import { progressText } from './progress-text.ts';
import { formatDiffGroups } from './phase-diffs.ts';
import { PhaseSummary } from './phase-summary.ts';
import { formatRecap } from './recap.ts';
import { safeBlock, safeKeys, safeLine as L } from './terminal-safe.ts';
import { describeAttempt } from '../retry.ts';
import { describePlan } from '../engine/rolling.ts';

export interface ListrOptions {
  write: (text: string) => void;
  diff: boolean;
  verbose: boolean;
  /** Terminal size (default process.stdout's): a phase on more hosts than fit is summarised. */
  rows?: number;
  columns?: number;
  /** false: leave process.stdout/stderr alone while a summary is drawn (tests that capture output). */
  hookTerminal?: boolean;
}

/** A phase on more hosts than this (or than fit the terminal) is summarised rather than drawn per host. */
export const SUMMARY_ABOVE = 20;
/** The summary is redrawn at most this often, however fast events come: its cost is bounded by time, not hosts. */
const REFRESH_MS = 250;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Lines kept free under a summary (the prompt, a warning) when deciding whether hosts fit. */
const SPARE_ROWS = 4;

interface HostLine {
  done: (error?: Error) => void;
  task?: ListrTaskWrapper<unknown, never, never>;
  counts: { ok: number; changed: number; skipped: number };
  /** The host's output row: the module at work, or the last one's outcome. Kept here too because a
   * host often starts its first module before Listr has started the host's task. */
  last?: string;
  failures: string[];
  /** Its phase is over for this host: later events of the host (a call on the master while a node is maintained) go elsewhere. */
  ended?: boolean;
}

/**
 * Phases are only known as the playbook reaches them, so each phase gets its own Listr run. Events
 * arrive synchronously while Listr renders asynchronously: per-host promises are created at once, and
 * output that must follow a phase (diffs, recap) is chained after that phase's Listr finishes.
 */
export class ListrRenderer implements EventSink {
  private chain: Promise<void> = Promise.resolve();
  private hosts = new Map<string, HostLine>();
  /** Hosts of summarised phases → their phase's summary. */
  private summarised = new Map<string, PhaseSummary>();
  private summaries = new Set<PhaseSummary>();
  /** The lines of the per-host phase started last. */
  private current: HostLine[] = [];

  constructor(private readonly o: ListrOptions) {}

  /**
   * Runs `step` after all output queued before it. Never name this `then`: an object with a `then`
   * method is a thenable, and `await createRenderer()` would resolve it to undefined.
   */
  private queue(step: () => void | Promise<void>): void {
    this.chain = this.chain.then(step).catch(() => undefined);
  }

  /**
   * Text from hosts, inventories and playbooks goes through L (one line) or safeBlock (several, indented)
   * before it is coloured: a host's escape sequences and CRs show as `\x1b`, `\x0d` and cannot draw here.
   */
  emit(e: RunEvent): void {
    switch (e.kind) {
      case 'run-start':
        this.queue(() =>
          this.o.write(
            pc.bold(L(e.name)) +
              pc.dim(` · ${e.hosts.length} hosts${e.check ? ' · check mode: nothing will change' : ''}`) +
              '\n',
          ),
        );
        break;
      case 'phase-start': {
        if (e.hosts.length > this.summaryAbove()) {
          this.startSummary(e.phase, e.hosts);
          break;
        }
        // Hosts a summarised phase left unfinished (Ctrl-C) belong to this phase now.
        for (const h of e.hosts) this.summarised.delete(h);
        const lines = e.hosts.map((name) => {
          let done!: (error?: Error) => void;
          const finished = new Promise<void>((resolve, reject) => {
            done = (error) => (error ? reject(error) : resolve());
          });
          // A host may fail before Listr starts its task and awaits this: without a handler, that
          // rejection is unhandled and Node ends the run. The task still sees the rejection.
          finished.catch(() => undefined);
          const line: HostLine = { done, counts: { ok: 0, changed: 0, skipped: 0 }, failures: [] };
          this.hosts.set(name, line);
          return { name, line, finished };
        });
        this.current = lines.map((l) => l.line);
        const list = new Listr(
          [
            {
              title: L(e.phase),
              task: (_ctx, phase) =>
                phase.newListr(
                  lines.map(({ name, line, finished }) => ({
                    title: L(name),
                    // Keep each host's last module line once the phase is done: the phase reads as a log.
                    rendererOptions: { persistentOutput: true },
                    task: async (_c, task) => {
                      // Fast hosts may finish before Listr starts this task: show what already happened.
                      line.task = task as unknown as ListrTaskWrapper<unknown, never, never>;
                      task.title = `${L(name)}  ${summary(line)}`;
                      if (line.last) task.output = line.last;
                      await finished;
                      task.title = `${L(name)}  ${summary(line)}`;
                    },
                  })),
                  { concurrent: true, exitOnError: false },
                ),
            },
          ],
          {
            concurrent: false,
            exitOnError: false,
            registerSignalListeners: false,
            fallbackRenderer: 'simple',
            rendererOptions: { collapseSubtasks: false, collapseErrors: false, showErrorMessage: true },
          },
        );
        this.queue(() => list.run().then(() => undefined));
        break;
      }
      case 'module-start':
        this.summarised.get(e.host)?.moduleStart(e.host, e.title);
        this.output(e.host, L(e.title), true);
        break;
      case 'module-progress':
        this.summarised.get(e.host)?.progress(e.host, `${e.module}: ${e.line}`);
        this.output(e.host, L(`${e.module}: ${e.line}`));
        break;
      case 'progress': {
        // The long command's step and elapsed time (or the lost link's countdown) on the host's line.
        const text = `${e.module}: ${progressText(e)}`;
        this.summarised.get(e.host)?.progress(e.host, text);
        this.output(e.host, L(text));
        break;
      }
      case 'module-end': {
        this.summarised.get(e.host)?.moduleEnd(e.host, e.status);
        const mark =
          e.status === 'changed'
            ? pc.yellow('changed')
            : e.status === 'ok'
              ? pc.green('✔')
              : e.status === 'skipped'
                ? pc.cyan('skipped')
                : e.status === 'interrupted'
                  ? pc.yellow('interrupted')
                  : pc.red('✖');
        const message = e.status === 'ok' ? undefined : moduleMessage(e);
        const text = `${mark} ${L(e.title)}${message ? ` — ${L(message.split('\n')[0].replace(/\r$/, ''))}` : ''}`;
        const h = this.hosts.get(e.host);
        if (h && !h.ended) {
          if (e.status === 'ok') h.counts.ok++;
          else if (e.status === 'changed') h.counts.changed++;
          else if (e.status === 'skipped') h.counts.skipped++;
          h.last = text;
          if (h.task) {
            h.task.output = h.last;
            h.task.title = `${L(e.host)}  ${summary(h)}`;
          }
          // A call on a host whose own phase is over (the master drains the node in the phase at work):
          // its outcome shows on that phase's line, never on a finished one.
        } else this.output(e.host, text, true);
        break;
      }
      case 'phase-host-end': {
        const s = this.summarised.get(e.host);
        if (s) {
          s.hostEnd(e.host, e.status);
          this.summarised.delete(e.host);
        }
        const h = this.hosts.get(e.host);
        if (!h) break;
        h.ended = true;
        if (e.status === 'ok') h.done();
        else
          h.done(new Error(h.failures.join('; ') || (e.status === 'interrupted' ? 'interrupted by Ctrl-C' : e.status)));
        break;
      }
      case 'host-failed':
      case 'host-unreachable': {
        this.summarised.get(e.host)?.failure(e.host, e.message);
        const h = this.hosts.get(e.host);
        // listr2 prints this under the host's line, each line indented: a host's own lines stay inside it.
        if (h)
          h.failures.push(`${e.kind === 'host-unreachable' ? 'UNREACHABLE' : 'FAILED'}: ${safeBlock(e.message, '  ')}`);
        break;
      }
      case 'phase-diffs': {
        // A terminal shows a few host ranges per group; --json or plain output lists them all.
        if (this.o.diff)
          this.queue(() => this.o.write(formatDiffGroups(e.groups, { color: true, maxRanges: 8 }) + '\n'));
        break;
      }
      case 'phase-end':
        break;
      case 'warning':
        this.queue(() =>
          this.o.write(pc.yellow(`${e.host ? L(e.host) + ': ' : ''}warning: ${safeBlock(e.message, '  ')}`) + '\n'),
        );
        break;
      case 'play-stopped':
        this.queue(() => this.o.write(pc.red(`PLAY STOPPED: ${safeBlock(e.reason, '  ')}`) + '\n'));
        break;
      case 'recap':
        // Any host still waiting (Ctrl-C) must let its phase's Listr end.
        for (const h of this.hosts.values()) h.done(new Error('interrupted'));
        for (const s of this.summaries) s.end();
        this.queue(() =>
          this.o.write(
            '\n' +
              pc.bold(`RECAP${e.check ? ' (check mode)' : ''}${e.interrupted ? ' (interrupted)' : ''}`) +
              pc.dim(` ${(e.ms / 1000).toFixed(2)} s`) +
              '\n' +
              formatRecap(safeKeys(e.stats), {
                color: true,
                notStarted: e.notStarted?.map(L),
                state: e.state?.map(L),
              }) +
              '\n',
          ),
        );
        break;
      case 'phase-skipped':
        this.queue(() => this.o.write(pc.cyan(`↓ ${L(e.phase)} — skipped: ${L(e.reason)}`) + '\n'));
        break;
      case 'rolling-plan':
        this.queue(() => this.o.write(pc.bold(L(e.phase)) + pc.dim(` · rolling · ${L(describePlan(e))}`) + '\n'));
        break;
      case 'batch-start':
        this.queue(() =>
          this.o.write(pc.dim(`batch ${e.index}/${e.count} of ${L(e.phase)}: ${e.hosts.map(L).join(', ')}`) + '\n'),
        );
        break;
      case 'batch-end':
        break;
      case 'rolling-stopped':
        this.queue(() =>
          this.o.write(
            pc.red(
              `ROLLING STOPPED ${L(e.phase)}: no new batch${e.notStarted.length ? `; not started: ${e.notStarted.map(L).join(', ')}` : ''}`,
            ) + '\n',
          ),
        );
        break;
      case 'retry': {
        // On the host's line, like a module's progress: the attempt, why it failed, when the next one comes.
        const text = e.host ? describeAttempt(e) : undefined;
        if (text) this.output(e.host!, L(text));
        break;
      }
      default:
        unhandledEvent(e);
    }
  }

  private summaryAbove(): number {
    const rows = this.o.rows || process.stdout.rows || 24;
    return Math.max(1, Math.min(SUMMARY_ABOVE, rows - SPARE_ROWS));
  }

  /** Shows a phase as a summary redrawn in place, from when the output before it is written until its hosts end. */
  private startSummary(phase: string, hosts: readonly string[]): void {
    const summary = new PhaseSummary(phase, hosts);
    this.summaries.add(summary);
    for (const h of hosts) {
      this.summarised.set(h, summary);
      // A host line of an earlier per-host phase must not take this phase's events.
      this.hosts.delete(h);
    }
    this.queue(async () => {
      const columns = () => this.o.columns || process.stdout.columns || 80;
      const rows = () => this.o.rows || process.stdout.rows || 24;
      let drawn = 0;
      let tick = 0;
      let drawing = false;
      const own = (text: string) => {
        drawing = true;
        try {
          this.o.write(text);
        } finally {
          drawing = false;
        }
      };
      // Up to the frame's first line, clear to the end of the screen.
      const erase = () => {
        if (drawn) own(`\u001b[${drawn}A\r\u001b[0J`);
        drawn = 0;
      };
      const draw = () => {
        const lines = summary
          .frame(columns(), { spinner: SPINNER[tick++ % SPINNER.length] })
          .slice(0, Math.max(1, rows() - 1));
        const up = drawn ? `\u001b[${drawn}A\r\u001b[0J` : '';
        drawn = 0;
        own(up + lines.join('\n') + '\n');
        drawn = lines.length;
      };
      // Text others write to the terminal meanwhile (the CLI's "Interrupted: ..." on Ctrl-C) would sit
      // inside the frame and be erased by the next redraw: it goes above the frame instead.
      const unhook = this.o.hookTerminal === false ? () => undefined : aboveFrame(() => drawing, erase, draw);
      draw();
      const timer = setInterval(draw, REFRESH_MS);
      try {
        await summary.done;
      } finally {
        clearInterval(timer);
        unhook();
      }
      draw();
      this.summaries.delete(summary);
    });
  }

  /**
   * `text` on the host's line while its phase is at work there. A host whose phase is over (the master,
   * called while a node of the next phase is maintained) shows `host: text` on the line of the phase at
   * work when that phase has one host still at work (`always`: module starts and ends; progress only then).
   */
  private output(host: string, text: string, always = false): void {
    const own = this.hosts.get(host);
    const h = own && !own.ended ? own : this.openLine();
    if (!h) return;
    const shown = h === own ? text : `${L(host)}: ${text}`;
    if (h !== own && !always && !h.last?.startsWith(`${L(host)}: `)) return;
    h.last = shown;
    if (h.task) h.task.output = shown;
  }

  /** The one line still at work in the per-host phase started last, if exactly one is. */
  private openLine(): HostLine | undefined {
    const open = this.current.filter((l) => !l.ended);
    return open.length === 1 ? open[0] : undefined;
  }

  async end(): Promise<void> {
    await this.chain;
  }
}

/**
 * While a frame is live, writes to the terminal's stdout/stderr that are not the frame's own (`isOwn`)
 * first erase the frame, then the frame is drawn again under them, as listr2 does for its task list.
 * Returns the function that puts the streams' write back.
 */
function aboveFrame(isOwn: () => boolean, erase: () => void, draw: () => void): () => void {
  const restore: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    if (!stream.isTTY) continue;
    const original = stream.write;
    const hooked = function (this: unknown, ...args: unknown[]): boolean {
      if (isOwn()) return (original as (...a: unknown[]) => boolean).apply(stream, args);
      erase();
      const ok = (original as (...a: unknown[]) => boolean).apply(stream, args);
      draw();
      return ok;
    };
    stream.write = hooked as typeof stream.write;
    restore.push(() => {
      if (stream.write === hooked) stream.write = original;
    });
  }
  return () => restore.forEach((r) => r());
}

function summary(h: HostLine): string {
  const parts = [`${h.counts.ok} ok`];
  if (h.counts.changed) parts.push(pc.yellow(`${h.counts.changed} changed`));
  if (h.counts.skipped) parts.push(pc.cyan(`${h.counts.skipped} skipped`));
  return pc.dim(parts.join(', '));
}
