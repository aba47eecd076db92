// TTY progress view: a listr2 task per phase, a line per host showing the module at work; a phase on more
// hosts than fit the terminal is summarised in a few lines instead (counts, failed hosts, the slowest at work).
import { Listr, type ListrTaskWrapper } from 'listr2';
import pc from 'picocolors';
import { unhandledEvent, type EventSink, type RunEvent } from '../events.ts';
import { moduleMessage } from './module-message.ts';
import { progressLater, progressText } from './progress-text.ts';
import { formatDiffGroups } from './phase-diffs.ts';
import { PhaseSummary } from './phase-summary.ts';
import { formatRecap } from './recap.ts';
import { safeBlock, safeKeys, safeLine as L, safeLineLists } from './terminal-safe.ts';
import { describeAttempt } from '../retry.ts';
import { describePlan } from '../engine/rolling.ts';
import { drawLiveFrame } from './above-frame.ts';
import { countsText, endMark, hostOutput, newHostLine, type HostLine } from './host-line.ts';

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
  /** Inside a rolling batch (batch-start … batch-end): its phases keep each host's steps on screen. */
  private inBatch = false;
  /** Rows each host of the per-host phase started last may use for its steps. */
  private stepRows = 1;
  /** Module calls at work per host: a line a host logs outside them is the playbook's own (a step). */
  private calls = new Map<string, number>();
  /** Advances the clocks of long commands on screen every second (see HostLine.ticking). */
  private ticker?: ReturnType<typeof setInterval>;

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
          const line = newHostLine(done, this.inBatch);
          this.hosts.set(name, line);
          return { name, line, finished };
        });
        this.current = lines.map((l) => l.line);
        // The phase's frame (its title, then per host a title and its rows) must fit the terminal.
        this.stepRows = Math.min(30, Math.floor((this.rows() - SPARE_ROWS - 1) / lines.length) - 1);
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
                      task.title = `${L(name)}  ${countsText(line)}`;
                      this.show(line);
                      try {
                        await finished;
                      } finally {
                        task.title = `${L(name)}  ${countsText(line)}`;
                        // Done: nothing that comes later (a call on this host for the next batch's node,
                        // events after a second Ctrl-C) may change this line, or make listr2 draw it again.
                        line.ended = true;
                        line.task = undefined;
                      }
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
        this.calls.set(e.host, (this.calls.get(e.host) ?? 0) + 1);
        this.summarised.get(e.host)?.moduleStart(e.host, e.title);
        this.output(e.host, L(e.title), true);
        break;
      case 'module-progress': {
        // A line without a module name: the playbook's own (`node.log('Ctrl-C: rolling back …')`, a step of
        // the turn that stays), or a module's output that arrived outside the call's async context (no call's
        // name to show, but a call is at work on the host: it passes like any progress line).
        const text = e.module ? `${e.module}: ${e.line}` : e.line;
        const own = !e.module && !this.calls.get(e.host);
        this.summarised.get(e.host)?.progress(e.host, text);
        this.output(e.host, L(text), own, own);
        break;
      }
      case 'progress': {
        // The long command's step and elapsed time (or the lost link's countdown) on the host's line.
        const text = `${e.module}: ${progressText(e)}`;
        this.summarised.get(e.host)?.progress(e.host, text);
        this.output(e.host, L(text), false, false, (ms) => L(`${e.module}: ${progressText(progressLater(e, ms))}`));
        this.ticker ??= setInterval(() => this.tick(), 1000).unref();
        break;
      }
      case 'module-end': {
        this.calls.set(e.host, Math.max(0, (this.calls.get(e.host) ?? 0) - 1));
        this.summarised.get(e.host)?.moduleEnd(e.host, e.status);
        const mark = endMark(e.status);
        const message = e.status === 'ok' ? undefined : moduleMessage(e);
        const text = `${mark} ${L(e.title)}${message ? ` — ${L(message.split('\n')[0].replace(/\r$/, ''))}` : ''}`;
        const h = this.hosts.get(e.host);
        if (h && !h.ended) {
          if (e.status === 'ok') h.counts.ok++;
          else if (e.status === 'changed') h.counts.changed++;
          else if (e.status === 'skipped') h.counts.skipped++;
          h.last = text;
          h.steps?.push(text);
          h.atWork = undefined;
          h.ticking = undefined;
          if (h.task) h.task.title = `${L(e.host)}  ${countsText(h)}`;
          this.show(h);
          // A call on a host whose own phase is over (the master drains the node in the phase at work):
          // its outcome shows on that phase's line, never on a finished one.
        } else this.output(e.host, text, true, true);
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
        // Any host still waiting (Ctrl-C) must let its phase's Listr end; after a second Ctrl-C the body may
        // still emit events (a call in flight ends): none of them may reach a line again.
        for (const h of this.hosts.values()) {
          h.done(new Error('interrupted'));
          h.ended = true;
        }
        this.current = [];
        clearInterval(this.ticker);
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
                stillRunning: e.stillRunning && safeLineLists(e.stillRunning),
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
        this.inBatch = true;
        this.queue(() =>
          this.o.write(pc.dim(`batch ${e.index}/${e.count} of ${L(e.phase)}: ${e.hosts.map(L).join(', ')}`) + '\n'),
        );
        break;
      case 'batch-end':
        this.inBatch = false;
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

  private rows(): number {
    return this.o.rows || process.stdout.rows || 24;
  }

  /**
   * A per-host phase takes its title and two rows per host (its line, its last module): a frame taller than
   * the terminal cannot be redrawn in place (the rows scrolled off stay behind, a copy with a frozen spinner
   * per redraw), so a phase on more hosts than that is summarised.
   */
  private summaryAbove(): number {
    return Math.max(1, Math.min(SUMMARY_ABOVE, Math.floor((this.rows() - SPARE_ROWS - 1) / 2)));
  }

  /** The host's rows on screen now: its last line, or its steps in a rolling turn (see hostOutput). */
  private show(h: HostLine): void {
    // listr2 draws output as `› text` 4 columns in and wraps 2 columns short of the edge.
    const width = (this.o.columns || process.stdout.columns || 80) - 8;
    const text = hostOutput(h, this.stepRows, width);
    if (h.task && text !== undefined) h.task.output = text;
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
      await drawLiveFrame(
        {
          write: this.o.write,
          columns: () => this.o.columns || process.stdout.columns || 80,
          rows: () => this.rows(),
          hookTerminal: this.o.hookTerminal !== false,
          refreshMs: REFRESH_MS,
        },
        (columns, tick) => summary.frame(columns, { spinner: SPINNER[tick % SPINNER.length] }),
        summary.done,
      );
      this.summaries.delete(summary);
    });
  }

  /**
   * `text` on the host's line while its phase is at work there. A host whose phase is over (the master,
   * called while a node of the next phase is maintained) shows `host: text` on the line of the phase at
   * work when that phase has one host still at work (`always`: module starts and ends; progress only then).
   * `step`: a call on another host ended, a step of this host's turn. `tick`: the text `ms` later (a clock).
   */
  private output(host: string, text: string, always = false, step = false, tick?: (ms: number) => string): void {
    const own = this.hosts.get(host);
    const h = own && !own.ended ? own : this.openLine();
    if (!h) return;
    const shown = h === own ? text : `${L(host)}: ${text}`;
    if (h !== own && !always && !h.last?.startsWith(`${L(host)}: `)) return;
    h.last = shown;
    if (step) {
      h.steps?.push(shown);
      h.atWork = undefined;
    } else h.atWork = shown;
    const prefix = h === own ? '' : `${L(host)}: `;
    h.ticking = tick && { since: Date.now(), text: (ms) => prefix + tick(ms) };
    this.show(h);
  }

  /** Each line at work on a long command shows its clock as of `now`. */
  private tick(now = Date.now()): void {
    for (const h of this.current) {
      if (!h.ticking || h.ended) continue;
      h.last = h.atWork = h.ticking.text(now - h.ticking.since);
      this.show(h);
    }
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
