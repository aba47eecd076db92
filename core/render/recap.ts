// Counts what happened per host from the event stream and prints the closing recap.
import pc from 'picocolors';
import { unhandledEvent, type EventSink, type HostStats, type RunEvent } from '../events.ts';

function emptyStats(): HostStats {
  return { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0 };
}

/**
 * An EventSink that keeps per-host counts, as ansible-playbook's recap does (one count per module call).
 * A failed module-end is not yet a failure: the playbook may catch it (try/catch, `.catch`, retry()).
 * It stays pending until the host's part of the phase ends: a failure that escaped the body
 * (host-failed, or play-stopped for one outside a phase) counts as `failed` once, and every other
 * pending one as `rescued`.
 */
export class StatsCollector implements EventSink {
  readonly stats: Record<string, HostStats> = {};
  /** Failed module calls per host, not yet known to be handled or to have failed the host. */
  private pending = new Map<string, number>();

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
        else if (e.status === 'failed') this.pending.set(e.host, (this.pending.get(e.host) ?? 0) + 1);
        break;
      case 'host-failed':
        this.of(e.host).failed++;
        if (e.failedModule) this.unpend(e.failedModule.host);
        break;
      case 'play-stopped':
        // A module failure that escaped the body outside any phase: it failed that module's host.
        if (e.failedModule) {
          this.of(e.failedModule.host).failed++;
          this.unpend(e.failedModule.host);
        }
        break;
      case 'host-unreachable':
        this.of(e.host).unreachable++;
        break;
      case 'phase-host-end':
        // The host's body is over: what it did not let escape, it handled.
        this.settle(e.host);
        break;
      case 'phase-start':
      case 'phase-end':
      case 'phase-diffs':
      case 'module-start':
      case 'module-progress':
      case 'progress':
      case 'warning':
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

  /** The failure counted as the host's: one pending module failure is no longer pending. */
  private unpend(host: string): void {
    const n = this.pending.get(host) ?? 0;
    if (n > 1) this.pending.set(host, n - 1);
    else this.pending.delete(host);
  }

  /**
   * Counts `host`'s pending module failures (every host's without one) as rescued. The runner calls it
   * before the recap, for failures no phase body settled: a module called outside a phase and caught,
   * or one called on another host than the phase's.
   */
  settle(host?: string): void {
    for (const h of host === undefined ? [...this.pending.keys()] : [host]) {
      this.of(h).rescued += this.pending.get(h) ?? 0;
      this.pending.delete(h);
    }
  }

  async end(): Promise<void> {}
}

/**
 * ansible-playbook style: `node1 : ok=3 changed=1 unreachable=0 failed=0 skipped=0`, then
 * `rescued=N` on every line when any host has handled failures (Ansible's order; left out otherwise so
 * a run without one prints what it always did); a host that a stopped rolling phase never started
 * (`notStarted`) ends with `not started`; one where Ctrl-C left a job running ends with `interrupted: <what, pid, where>`.
 */
export function formatRecap(
  stats: Record<string, HostStats>,
  options: {
    color?: boolean;
    notStarted?: readonly string[];
    state?: readonly string[];
    stillRunning?: Readonly<Record<string, readonly string[]>>;
  } = {},
): string {
  const c = options.color ? pc : { green: id, yellow: id, red: id, cyan: id, bold: id, dim: id };
  const names = Object.keys(stats);
  const width = Math.max(0, ...names.map((n) => n.length));
  const rescued = names.some((n) => stats[n].rescued > 0);
  const lines = names.map((name) => {
    const s = stats[name];
    const colour = s.unreachable ? c.red : s.failed ? c.red : s.changed ? c.yellow : c.green;
    const field = (label: string, n: number, paint: (x: string) => string) =>
      n ? paint(`${label}=${n}`) : `${label}=${n}`;
    return [
      colour(name.padEnd(width)),
      ':',
      field('ok', s.ok, c.green),
      field('changed', s.changed, c.yellow),
      field('unreachable', s.unreachable, c.red),
      field('failed', s.failed, c.red),
      field('skipped', s.skipped, c.cyan),
      // Ansible paints rescued with its "ok" colour: the playbook dealt with these.
      ...(rescued ? [field('rescued', s.rescued, c.green)] : []),
      ...(options.notStarted?.includes(name) ? [c.yellow(' not started')] : []),
      // A job Ctrl-C stopped waiting for runs on there: the host's own line says what and where.
      ...(options.stillRunning?.[name]?.length
        ? [c.yellow(`interrupted: ${options.stillRunning[name].join('; ')}`)]
        : []),
    ].join(' ');
  });
  // What the play said about the systems it manages (play.state) and what a second Ctrl-C left: after the counts.
  const state = options.state?.length ? ['', c.bold('STATE'), ...options.state.map((l) => `  ${l}`)] : [];
  return [...lines, ...state].join('\n');
}

function id(s: string): string {
  return s;
}
