// Counts what happened per host from the event stream and prints the closing recap.
import pc from 'picocolors';
import { unhandledEvent, type EventSink, type HostStats, type RunEvent } from '../events.ts';

function emptyStats(): HostStats {
  return { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0 };
}

/** An EventSink that keeps per-host counts, as ansible-playbook's recap does (one count per module call). */
export class StatsCollector implements EventSink {
  readonly stats: Record<string, HostStats> = {};
  /** Hosts whose failure was already counted by a failed module-end in the current phase. */
  private counted = new Set<string>();

  private of(host: string): HostStats {
    return (this.stats[host] ??= emptyStats());
  }

  emit(e: RunEvent): void {
    switch (e.kind) {
      case 'run-start':
        for (const h of e.hosts) this.of(h);
        break;
      case 'module-end':
        if (e.status === 'ok') this.of(e.host).ok++;
        else if (e.status === 'changed') this.of(e.host).changed++;
        else if (e.status === 'skipped') this.of(e.host).skipped++;
        else if (e.status === 'failed') {
          this.of(e.host).failed++;
          this.counted.add(e.host);
        }
        break;
      case 'host-failed':
        if (!this.counted.has(e.host)) this.of(e.host).failed++;
        this.counted.delete(e.host);
        break;
      case 'host-unreachable':
        this.of(e.host).unreachable++;
        this.counted.delete(e.host);
        break;
      case 'phase-start':
      case 'phase-end':
      case 'phase-diffs':
      case 'phase-host-end':
      case 'module-start':
      case 'module-progress':
      case 'warning':
      case 'play-stopped':
      case 'recap':
      case 'phase-skipped':
      case 'rolling-plan':
      case 'batch-start':
      case 'batch-end':
      case 'rolling-stopped':
      case 'retry':
        break;
      default:
        unhandledEvent(e);
    }
  }

  async end(): Promise<void> {}
}

/**
 * ansible-playbook style: `node1 : ok=3 changed=1 unreachable=0 failed=0 skipped=0`; a host that a
 * stopped rolling phase never started (`notStarted`) ends with `not started`.
 */
export function formatRecap(stats: Record<string, HostStats>, options: { color?: boolean; notStarted?: readonly string[] } = {}): string {
  const c = options.color ? pc : { green: id, yellow: id, red: id, cyan: id, bold: id, dim: id };
  const names = Object.keys(stats);
  const width = Math.max(0, ...names.map((n) => n.length));
  const lines = names.map((name) => {
    const s = stats[name];
    const colour = s.unreachable ? c.red : s.failed ? c.red : s.changed ? c.yellow : c.green;
    const field = (label: string, n: number, paint: (x: string) => string) => (n ? paint(`${label}=${n}`) : `${label}=${n}`);
    return [
      colour(name.padEnd(width)),
      ':',
      field('ok', s.ok, c.green),
      field('changed', s.changed, c.yellow),
      field('unreachable', s.unreachable, c.red),
      field('failed', s.failed, c.red),
      field('skipped', s.skipped, c.cyan),
      ...(options.notStarted?.includes(name) ? [c.yellow(' not started')] : []),
    ].join(' ');
  });
  return lines.join('\n');
}

function id(s: string): string {
  return s;
}
