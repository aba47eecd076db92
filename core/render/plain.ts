// Line-per-event output for logs and pipes: every line starts with the host it is about.
import pc from 'picocolors';
import { unhandledEvent, type EventSink, type RunEvent } from '../events.ts';
import { moduleMessage } from './module-message.ts';
import { formatDiffGroups } from './phase-diffs.ts';
import { formatRecap } from './recap.ts';
import { describeAttempt } from '../retry.ts';
import { describePlan } from '../rolling.ts';

export interface PlainOptions {
  write: (text: string) => void;
  color: boolean;
  diff: boolean;
  verbose: boolean;
}

export class PlainRenderer implements EventSink {
  private readonly c;
  constructor(private readonly o: PlainOptions) {
    this.c = o.color ? pc : pc.createColors(false);
  }

  private line(text: string): void {
    this.o.write(text + '\n');
  }

  emit(e: RunEvent): void {
    const c = this.c;
    switch (e.kind) {
      case 'run-start':
        this.line(c.bold(`PLAY ${e.name} [${e.hosts.length} host${e.hosts.length === 1 ? '' : 's'}]${e.check ? ' (check mode: nothing will change)' : ''}`));
        break;
      case 'phase-start':
        this.line(c.bold(`PHASE ${e.phase}`) + c.dim(` [${e.hosts.join(', ')}]`));
        break;
      case 'module-start':
        if (this.o.verbose) this.line(c.dim(`${e.host} | start | ${e.title}`));
        break;
      case 'module-progress':
        if (this.o.verbose) this.line(c.dim(`${e.host} | ${e.module} | ${e.line}`));
        break;
      case 'module-end': {
        const paint =
          e.status === 'changed' ? c.yellow : e.status === 'ok' ? c.green : e.status === 'skipped' ? c.cyan : c.red;
        const where = e.callsite ? ` ${c.dim(e.callsite)}` : '';
        const ms = this.o.verbose ? c.dim(` ${Math.round(e.ms)} ms`) : '';
        const message = moduleMessage(e);
        const msg = message ? `: ${message.split('\n').join('\n  ')}` : '';
        this.line(`${e.host} | ${paint(e.status)} | ${e.title}${msg}${where}${ms}`);
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
        this.line(c.red(`${e.host} | FAILED in phase "${e.phase}": ${e.message}`));
        break;
      case 'host-unreachable':
        this.line(c.red(`${e.host} | UNREACHABLE in phase "${e.phase}": ${e.message}`));
        break;
      case 'warning':
        this.line(c.yellow(`${e.host ? e.host + ' | ' : ''}warning: ${e.message}`));
        break;
      case 'play-stopped':
        this.line(c.red(`PLAY STOPPED: ${e.reason}`));
        break;
      case 'recap':
        this.line(c.bold(`RECAP${e.check ? ' (check mode)' : ''}${e.interrupted ? ' (interrupted)' : ''}`) + c.dim(` ${(e.ms / 1000).toFixed(2)} s`));
        this.line(formatRecap(e.stats, { color: this.o.color, notStarted: e.notStarted }));
        break;
      case 'phase-skipped':
        this.line(c.cyan(`SKIPPED ${e.phase}: ${e.reason}`));
        break;
      case 'rolling-plan':
        this.line(c.bold(`ROLLING ${e.phase}: ${describePlan(e)}`));
        break;
      case 'batch-start':
        this.line(c.bold(`BATCH ${e.index}/${e.count} of ${e.phase}`) + c.dim(` [${e.hosts.join(', ')}]`));
        break;
      case 'batch-end':
        break;
      case 'rolling-stopped':
        this.line(c.red(`ROLLING STOPPED ${e.phase}: no new batch${e.notStarted.length ? `; not started: ${e.notStarted.join(', ')}` : ''}`));
        break;
      case 'retry': {
        const text = describeAttempt(e);
        if (text) this.line((e.outcome === 'ok' ? c.green : c.yellow)(`${e.host ?? '-'} | retry | ${text}`));
        break;
      }
      default:
        unhandledEvent(e);
    }
  }

  async end(): Promise<void> {}
}
