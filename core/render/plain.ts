// Line-per-event output for logs and pipes: every line starts with the host it is about.
import pc from 'picocolors';
import { unhandledEvent, type EventSink, type RunEvent } from '../events.ts';
import { moduleMessage } from './module-message.ts';
import { progressText } from './progress-text.ts';
import { formatDiffGroups } from './phase-diffs.ts';
import { formatRecap } from './recap.ts';
import { safeBlock, safeKeys, safeLine as L, safeLineLists } from './terminal-safe.ts';
import { describeAttempt } from '../retry.ts';
import { describePlan } from '../engine/rolling.ts';

export interface PlainOptions {
  write: (text: string) => void;
  color: boolean;
  diff: boolean;
  verbose: boolean;
}

export class PlainRenderer implements EventSink {
  private readonly c;
  /** Per host: what its last progress line said (step or link state) and when. */
  private readonly progressed = new Map<string, { key: string; at: number }>();
  constructor(private readonly o: PlainOptions) {
    this.c = o.color ? pc : pc.createColors(false);
  }

  private line(text: string): void {
    this.o.write(text + '\n');
  }

  /**
   * Every text from a host, an inventory or a playbook goes through L (one line) or B (several lines,
   * each after the first indented: no host line stands at column 0 where drover's own lines start) before
   * it is coloured: a host's escape sequences show as `\x1b`, never reach the terminal.
   */
  emit(e: RunEvent): void {
    const c = this.c;
    const B = (text: string) => safeBlock(text, '  ');
    switch (e.kind) {
      case 'run-start':
        this.line(
          c.bold(
            `PLAY ${L(e.name)} [${e.hosts.length} host${e.hosts.length === 1 ? '' : 's'}]${e.check ? ' (check mode: nothing will change)' : ''}`,
          ),
        );
        break;
      case 'phase-start':
        this.line(c.bold(`PHASE ${L(e.phase)}`) + c.dim(` [${e.hosts.map(L).join(', ')}]`));
        break;
      case 'module-start':
        if (this.o.verbose) this.line(c.dim(`${L(e.host)} | start | ${L(e.title)}`));
        break;
      case 'module-progress':
        if (this.o.verbose) this.line(c.dim(`${L(e.host)} | ${L(e.module)} | ${L(e.line)}`));
        break;
      case 'progress': {
        // A line when the step or the link's state changes, else once a minute (every 15 s while the link is lost).
        const key = e.link ? 'link' : (e.step ?? '');
        const last = this.progressed.get(e.host);
        const every = e.link ? 15_000 : 60_000;
        if (last && last.key === key && Date.now() - last.at < every) break;
        this.progressed.set(e.host, { key, at: Date.now() });
        this.line(c.dim(`${L(e.host)} | progress | ${L(e.module)}: ${L(progressText(e))}`));
        break;
      }
      case 'module-end': {
        const paint =
          e.status === 'changed' ? c.yellow : e.status === 'ok' ? c.green : e.status === 'skipped' ? c.cyan : c.red;
        const where = e.callsite ? ` ${c.dim(L(e.callsite))}` : '';
        const ms = this.o.verbose ? c.dim(` ${Math.round(e.ms)} ms`) : '';
        const message = moduleMessage(e);
        const msg = message ? `: ${B(message)}` : '';
        this.line(`${L(e.host)} | ${paint(e.status)} | ${L(e.title)}${msg}${where}${ms}`);
        break;
      }
      case 'phase-host-end':
        break;
      case 'phase-diffs':
        // A log keeps every host name: grep finds a host in its group's header.
        if (this.o.diff) this.o.write(formatDiffGroups(e.groups, { color: this.o.color }) + '\n');
        break;
      case 'phase-end':
        break;
      case 'host-failed':
        this.line(c.red(`${L(e.host)} | FAILED in phase "${L(e.phase)}": ${B(e.message)}`));
        break;
      case 'host-unreachable':
        this.line(c.red(`${L(e.host)} | UNREACHABLE in phase "${L(e.phase)}": ${B(e.message)}`));
        break;
      case 'warning':
        this.line(c.yellow(`${e.host ? L(e.host) + ' | ' : ''}warning: ${B(e.message)}`));
        break;
      case 'play-stopped':
        this.line(c.red(`PLAY STOPPED: ${B(e.reason)}`));
        break;
      case 'recap':
        this.line(
          c.bold(`RECAP${e.check ? ' (check mode)' : ''}${e.interrupted ? ' (interrupted)' : ''}`) +
            c.dim(` ${(e.ms / 1000).toFixed(2)} s`),
        );
        this.line(
          formatRecap(safeKeys(e.stats), {
            color: this.o.color,
            notStarted: e.notStarted?.map(L),
            state: e.state?.map(L),
            stillRunning: e.stillRunning && safeLineLists(e.stillRunning),
          }),
        );
        break;
      case 'phase-skipped':
        this.line(c.cyan(`SKIPPED ${L(e.phase)}: ${B(e.reason)}`));
        break;
      case 'rolling-plan':
        this.line(c.bold(`ROLLING ${L(e.phase)}: ${L(describePlan(e))}`));
        break;
      case 'batch-start':
        this.line(c.bold(`BATCH ${e.index}/${e.count} of ${L(e.phase)}`) + c.dim(` [${e.hosts.map(L).join(', ')}]`));
        break;
      case 'batch-end':
        break;
      case 'rolling-stopped':
        this.line(
          c.red(
            `ROLLING STOPPED ${L(e.phase)}: no new batch${e.notStarted.length ? `; not started: ${e.notStarted.map(L).join(', ')}` : ''}`,
          ),
        );
        break;
      case 'retry': {
        const text = describeAttempt(e);
        if (text) this.line((e.outcome === 'ok' ? c.green : c.yellow)(`${L(e.host ?? '-')} | retry | ${B(text)}`));
        break;
      }
      default:
        unhandledEvent(e);
    }
  }

  async end(): Promise<void> {}
}
