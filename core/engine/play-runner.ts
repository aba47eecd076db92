// The Play a playbook body drives: phases across hosts in parallel (bounded by --forks), hosts leaving on failure.
import pLimit from 'p-limit';
import { callerLocation } from './callsite.ts';
import { Interrupted, ModuleError, reportedFailure, rootCause, UnreachableError } from '../errors.ts';
import type { EventSink } from '../events.ts';
import type { Host, RunHost } from '../host.ts';
import type { PhaseOptions, Play } from '../playbook.ts';
import { failureBudget, planBatches, validateRolling, type BatchInfo, type RollingOptions } from './rolling.ts';
import { neverInterrupted, type RunInterrupt } from './interrupt.ts';

/** Thrown out of the body when a phase the rest depends on (`play.on`) cannot go on. */
export class PlayStopped extends Error {
  override name = 'PlayStopped';
}

export interface PlayInit<H, P> {
  name: string;
  check: boolean;
  vars: P;
  hosts: RunHost<H>[];
  forks: number;
  events: EventSink;
  /** The first Ctrl-C (used when `interrupt` is not given). */
  signal: AbortSignal;
  /** Ctrl-C as a state (core/engine/interrupt.ts); the runner passes the one its hosts share. */
  interrupt?: RunInterrupt;
  /** Hosts of the play's pattern that --limit left out: reachable by name (play.host, play.on), in no phase over hosts. */
  outside?: RunHost<H>[];
  /**
   * --phase / --start-at: why a phase of this name is left out (its fn never runs), or undefined to
   * run it. Phases inside a selected rolling phase always run.
   */
  skip?: (phase: string) => string | undefined;
}

export class PlayRunner<H, P> implements Play<H, P> {
  readonly name: string;
  readonly check: boolean;
  readonly vars: P;
  /** Hosts still in the play. */
  private readonly active: Set<string>;
  private readonly all: RunHost<H>[];
  /** Hosts that failed or became unreachable anywhere in the play: what a rolling phase's budget counts. */
  private readonly lost = new Set<string>();
  /** Hosts a stopped rolling phase never started. */
  readonly notStarted: string[] = [];
  /** Set once any phase has started: errors after that are host-touching failures, not usage errors. */
  phasesStarted = 0;
  /** What the playbook last said about the systems it manages (play.state): shown after the recap. */
  stateLines: string[] = [];
  /** The hosts of the rolling phase in flight after its current batch (not started if the run stops at once). */
  rollingLeft: string[] = [];
  /** Per host, the phase and module it is in (what a second Ctrl-C leaves unfinished). */
  readonly atWork = new Map<string, string>();
  private readonly interrupt: RunInterrupt;

  constructor(private readonly init: PlayInit<H, P>) {
    this.name = init.name;
    this.check = init.check;
    this.vars = init.vars;
    this.all = init.hosts;
    // Hosts outside --limit count as in the play for play.on until they fail; `hosts` lists only the selected.
    this.active = new Set([...init.hosts, ...(init.outside ?? [])].map((h) => h.name));
    this.interrupt = init.interrupt ?? neverInterrupted(init.signal);
  }

  get stopping(): boolean {
    return this.interrupt.requested;
  }

  state(lines: readonly string[]): void {
    if (!Array.isArray(lines) || lines.some((l) => typeof l !== 'string'))
      throw new TypeError('play.state(lines): lines must be a list of strings');
    this.stateLines = [...lines];
  }

  /** Thrown to the body when Ctrl-C stops the play: from then on the body's cleanups may run phases. */
  private interrupted(): never {
    this.interrupt.unwinding = true;
    throw new Interrupted('interrupted');
  }

  get hosts(): readonly Host<H>[] {
    return this.all.filter((h) => this.active.has(h.name));
  }

  host(name: string): Host<H> {
    const h = this.all.find((x) => x.name === name) ?? this.init.outside?.find((x) => x.name === name);
    if (!h) {
      throw new Error(
        `play.host(${JSON.stringify(name)}): no such host in this play (selected: ${this.all.map((x) => x.name).join(', ') || 'none'})`,
      );
    }
    return h;
  }

  async each<T>(name: string, fn: (host: Host<H>) => Promise<T>, options?: PhaseOptions): Promise<Map<string, T>> {
    const throttle = checkThrottle(options, name);
    if (this.skipped(name)) return Promise.resolve(new Map());
    return this.phase(
      name,
      this.all.filter((h) => this.active.has(h.name)),
      fn,
      throttle,
    );
  }

  async onEach<T>(
    targets: readonly (Host<H> | string)[],
    name: string,
    fn: (host: Host<H>) => Promise<T>,
    options?: PhaseOptions,
  ): Promise<Map<string, T>> {
    const throttle = checkThrottle(options, name);
    if (this.skipped(name)) return Promise.resolve(new Map());
    return this.runOnEach(targets, name, fn, throttle);
  }

  on<T>(target: Host<H> | string, name: string, fn: (host: Host<H>) => Promise<T>): Promise<T> {
    // The static check (--phase/--start-at) refused the run if a selected phase used this value.
    if (this.skipped(name)) return Promise.resolve(undefined as T);
    return this.runOn(target, name, fn);
  }

  async rolling(
    name: string,
    options: RollingOptions,
    fn: (batch: Play<H, P>, info: BatchInfo) => Promise<void>,
  ): Promise<void> {
    const where = `play.rolling(${JSON.stringify(name)})`;
    validateRolling(options, where);
    if (typeof fn !== 'function')
      throw new TypeError(`${where}: the last argument must be an async function (batch) => { ... }`);
    if (this.skipped(name)) return;
    const batches = planBatches(
      this.all.filter((h) => this.active.has(h.name)).map((h) => h.name),
      options.batch,
      where,
    );
    // The budget is over the play's hosts: a host lost in an earlier phase is as gone as one lost here.
    const budget = failureBudget(options.maxFailed, this.all.length, where);
    const { events } = this.init;
    events.emit({ kind: 'rolling-plan', phase: name, batches, budget, of: this.all.length });
    for (let i = 0; i <= batches.length; i++) {
      if (i < batches.length && !this.interrupt.mayStart()) {
        const notStarted = batches
          .slice(i)
          .flat()
          .filter((h) => this.active.has(h));
        this.notStarted.push(...notStarted);
        events.emit({
          kind: 'rolling-stopped',
          phase: name,
          reason: `"${name}": interrupted (Ctrl-C)${notStarted.length ? `; ${notStarted.length} host(s) not started: ${notStarted.join(', ')}` : ''}`,
          notStarted,
        });
        this.interrupted();
      }
      if (this.lost.size > budget) {
        const notStarted = batches
          .slice(i)
          .flat()
          .filter((h) => this.active.has(h));
        for (const h of notStarted) this.active.delete(h);
        this.notStarted.push(...notStarted);
        const reason = `"${name}": ${this.lost.size} of ${this.all.length} hosts lost in the play (${[...this.lost].join(', ')}), more than the ${budget} allowed${notStarted.length ? `; ${notStarted.length} host(s) not started: ${notStarted.join(', ')}` : ''}`;
        events.emit({ kind: 'rolling-stopped', phase: name, reason, notStarted });
        this.stop(reason);
      }
      if (i === batches.length) break;
      const hosts = batches[i].filter((h) => this.active.has(h));
      const info: BatchInfo = { index: i + 1, count: batches.length, hosts };
      events.emit({ kind: 'batch-start', phase: name, index: i + 1, count: batches.length, hosts });
      // A batch is a critical section: the first Ctrl-C lets it end (play.stopping tells it to roll back).
      // What a second Ctrl-C during this batch leaves not started (the runner reports it).
      this.rollingLeft = batches
        .slice(i + 1)
        .flat()
        .filter((h) => this.active.has(h));
      await this.interrupt.criticalSection(() => fn(this.batchView(new Set(hosts)), info));
      this.rollingLeft = [];
      events.emit({
        kind: 'batch-end',
        phase: name,
        index: i + 1,
        count: batches.length,
        failed: this.lost.size,
        budget,
      });
    }
  }

  /** The play as a rolling phase's fn sees it: `each` and `hosts` limited to the batch; no selection inside. */
  private batchView(scope: Set<string>): Play<H, P> {
    const inScope = () => this.all.filter((h) => scope.has(h.name) && this.active.has(h.name));
    const self = this;
    return {
      name: this.name,
      check: this.check,
      vars: this.vars,
      get hosts() {
        return inScope();
      },
      get stopping() {
        return self.stopping;
      },
      state: (lines) => this.state(lines),
      host: (n) => this.host(n),
      each: async (name, fn, options) => this.phase(name, inScope(), fn, checkThrottle(options, name)),
      on: (target, name, fn) => this.runOn(target, name, fn),
      onEach: async (targets, name, fn, options) => this.runOnEach(targets, name, fn, checkThrottle(options, name)),
      rolling: () =>
        Promise.reject(new Error('play.rolling: rolling phases do not nest (a batch runs each/on/onEach phases)')),
    };
  }

  /** True (and says so in an event) when --phase/--start-at leaves this phase out. */
  private skipped(name: string): boolean {
    const reason = this.init.skip?.(name);
    if (reason === undefined) return false;
    this.init.events.emit({ kind: 'phase-skipped', phase: name, reason });
    return true;
  }

  private async runOnEach<T>(
    targets: readonly (Host<H> | string)[],
    name: string,
    fn: (host: Host<H>) => Promise<T>,
    throttle?: number,
  ): Promise<Map<string, T>> {
    const chosen = targets.map((t) => this.resolve(t));
    for (const h of chosen) {
      if (!this.active.has(h.name))
        this.init.events.emit({
          kind: 'warning',
          host: h.name,
          message: `left the play earlier; not running "${name}" there`,
        });
    }
    return this.phase(
      name,
      chosen.filter((h) => this.active.has(h.name)),
      fn,
      throttle,
    );
  }

  private async runOn<T>(target: Host<H> | string, name: string, fn: (host: Host<H>) => Promise<T>): Promise<T> {
    const h = this.resolve(target);
    if (!this.active.has(h.name)) return this.stop(`"${name}" needs ${h.name}, which left the play earlier`);
    const results = await this.phase(name, [h], fn);
    if (!results.has(h.name)) return this.stop(`"${name}" failed on ${h.name}; later phases depend on it`);
    return results.get(h.name) as T;
  }

  private resolve(t: Host<H> | string): RunHost<H> {
    return this.host(typeof t === 'string' ? t : t.name) as RunHost<H>;
  }

  private stop(reason: string): never {
    this.init.events.emit({ kind: 'play-stopped', reason });
    throw new PlayStopped(reason);
  }

  private async phase<T>(
    name: string,
    hosts: RunHost<H>[],
    fn: (host: Host<H>) => Promise<T>,
    throttle?: number,
  ): Promise<Map<string, T>> {
    const { events } = this.init;
    const interrupt = this.interrupt;
    if (!interrupt.mayStart()) this.interrupted();
    this.phasesStarted++;
    const started = performance.now();
    events.emit({ kind: 'phase-start', phase: name, hosts: hosts.map((h) => h.name) });
    const limit = pLimit(Math.max(1, Math.min(this.init.forks, throttle ?? this.init.forks)));
    const results = new Map<string, T>();
    await Promise.all(
      hosts.map((h) =>
        limit(async () => {
          if (!interrupt.mayStart()) {
            events.emit({ kind: 'phase-host-end', phase: name, host: h.name, status: 'interrupted' });
            return;
          }
          interrupt.beginTurn(h.name);
          this.atWork.set(h.name, name);
          try {
            await h.connect();
            const value = await fn(h);
            await h.flushHandlers();
            results.set(h.name, value);
            events.emit({ kind: 'phase-host-end', phase: name, host: h.name, status: 'ok' });
          } catch (err) {
            h.dropHandlers();
            const cause = rootCause(err);
            const message = err instanceof Error ? err.message : String(err);
            if (cause instanceof Interrupted) {
              events.emit({ kind: 'phase-host-end', phase: name, host: h.name, status: 'interrupted' });
              return;
            }
            // Another host the turn used (the master, while a node is maintained) became unreachable: that host
            // is the one lost; this turn failed because of it.
            if (cause instanceof UnreachableError && cause.host !== h.name && this.active.has(cause.host)) {
              this.active.delete(cause.host);
              this.lost.add(cause.host);
              events.emit({ kind: 'host-unreachable', host: cause.host, phase: name, message });
            }
            this.active.delete(h.name);
            this.lost.add(h.name);
            if (cause instanceof UnreachableError && cause.host === h.name) {
              events.emit({ kind: 'host-unreachable', host: h.name, phase: name, message });
              events.emit({ kind: 'phase-host-end', phase: name, host: h.name, status: 'unreachable' });
            } else {
              // A module failure that escaped the body: the recap counts it here, once (not at its module-end).
              const failedModule = reportedFailure(err);
              events.emit({
                kind: 'host-failed',
                host: h.name,
                phase: name,
                message: withLocation(err, message),
                ...(failedModule && { failedModule }),
              });
              events.emit({ kind: 'phase-host-end', phase: name, host: h.name, status: 'failed' });
            }
          } finally {
            this.atWork.delete(h.name);
          }
        }),
      ),
    );
    events.emit({ kind: 'phase-end', phase: name, ms: performance.now() - started });
    if (!interrupt.mayStart()) this.interrupted();
    return results;
  }
}

/** A phase's `throttle`, checked before any host is touched: a whole number >= 1, or undefined. */
function checkThrottle(options: PhaseOptions | undefined, phase: string): number | undefined {
  const t = options?.throttle;
  if (t !== undefined && !(Number.isInteger(t) && t >= 1))
    throw new TypeError(`phase ${JSON.stringify(phase)}: throttle ${JSON.stringify(t)} is not a whole number >= 1`);
  return t;
}

/** An error thrown by playbook code itself (not a module) gets the playbook line it came from. */
function withLocation(err: unknown, message: string): string {
  if (!(err instanceof Error) || err instanceof ModuleError) return message;
  const where = callerLocation(err.stack);
  return where ? `${message} (${where})` : message;
}
