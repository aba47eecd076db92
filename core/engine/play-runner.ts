// The Play a playbook body drives: phases across hosts in parallel (bounded by --forks), hosts leaving on failure.
import pLimit from 'p-limit';
import { callerLocation } from './callsite.ts';
import { Interrupted, ModuleError, reportedFailure, rootCause, UnreachableError } from '../errors.ts';
import type { EventSink } from '../events.ts';
import type { Host, RunHost } from '../host.ts';
import type { Play } from '../playbook.ts';
import { failureBudget, planBatches, validateRolling, type BatchInfo, type RollingOptions } from './rolling.ts';

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
  signal: AbortSignal;
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

  constructor(private readonly init: PlayInit<H, P>) {
    this.name = init.name;
    this.check = init.check;
    this.vars = init.vars;
    this.all = init.hosts;
    this.active = new Set(init.hosts.map((h) => h.name));
  }

  get hosts(): readonly Host<H>[] {
    return this.all.filter((h) => this.active.has(h.name));
  }

  host(name: string): Host<H> {
    const h = this.all.find((x) => x.name === name);
    if (!h) {
      throw new Error(
        `play.host(${JSON.stringify(name)}): no such host in this play (selected: ${this.all.map((x) => x.name).join(', ') || 'none'})`,
      );
    }
    return h;
  }

  each<T>(name: string, fn: (host: Host<H>) => Promise<T>): Promise<Map<string, T>> {
    if (this.skipped(name)) return Promise.resolve(new Map());
    return this.phase(
      name,
      this.all.filter((h) => this.active.has(h.name)),
      fn,
    );
  }

  onEach<T>(
    targets: readonly (Host<H> | string)[],
    name: string,
    fn: (host: Host<H>) => Promise<T>,
  ): Promise<Map<string, T>> {
    if (this.skipped(name)) return Promise.resolve(new Map());
    return this.runOnEach(targets, name, fn);
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
    const { events, signal } = this.init;
    events.emit({ kind: 'rolling-plan', phase: name, batches, budget, of: this.all.length });
    for (let i = 0; i <= batches.length; i++) {
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
      if (signal.aborted) throw new Interrupted('interrupted');
      const hosts = batches[i].filter((h) => this.active.has(h));
      const info: BatchInfo = { index: i + 1, count: batches.length, hosts };
      events.emit({ kind: 'batch-start', phase: name, index: i + 1, count: batches.length, hosts });
      await fn(this.batchView(new Set(hosts)), info);
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
    return {
      name: this.name,
      check: this.check,
      vars: this.vars,
      get hosts() {
        return inScope();
      },
      host: (n) => this.host(n),
      each: (name, fn) => this.phase(name, inScope(), fn),
      on: (target, name, fn) => this.runOn(target, name, fn),
      onEach: (targets, name, fn) => this.runOnEach(targets, name, fn),
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
  ): Promise<Map<string, T>> {
    const { events, signal } = this.init;
    if (signal.aborted) throw new Interrupted('interrupted');
    this.phasesStarted++;
    const started = performance.now();
    events.emit({ kind: 'phase-start', phase: name, hosts: hosts.map((h) => h.name) });
    const limit = pLimit(Math.max(1, this.init.forks));
    const results = new Map<string, T>();
    await Promise.all(
      hosts.map((h) =>
        limit(async () => {
          if (signal.aborted) {
            events.emit({ kind: 'phase-host-end', phase: name, host: h.name, status: 'interrupted' });
            return;
          }
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
            this.active.delete(h.name);
            this.lost.add(h.name);
            if (cause instanceof UnreachableError) {
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
          }
        }),
      ),
    );
    events.emit({ kind: 'phase-end', phase: name, ms: performance.now() - started });
    if (signal.aborted) throw new Interrupted('interrupted');
    return results;
  }
}

/** An error thrown by playbook code itself (not a module) gets the playbook line it came from. */
function withLocation(err: unknown, message: string): string {
  if (!(err instanceof Error) || err instanceof ModuleError) return message;
  const where = callerLocation(err.stack);
  return where ? `${message} (${where})` : message;
}
