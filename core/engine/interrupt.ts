// Ctrl-C as a state of the run: "stopping" (first: finish the critical section, deliver one Interrupted per host, allow cleanups) and "stop now" (second: refuse everything).
import { setMaxListeners } from 'node:events';
import { Interrupted } from '../errors.ts';

/**
 * The run's interruption state. The first Ctrl-C (`stopping`) lets a critical section (a rolling
 * batch's turn) run to its end and delivers one Interrupted to each host at work elsewhere: thrown by
 * its command in flight once that command finished, or by its next one. After its Interrupted a host's
 * code is unwinding, so its `finally`/`catch` cleanups run commands again. A job in flight (a command
 * detached from the connection) gets `graceMs` to finish and count; after that drover stops waiting for it,
 * leaves it running on the host and says where (`left`). The second Ctrl-C
 * (`now`) refuses every command; the runner stops waiting for the body.
 */
export class RunInterrupt {
  /** Depth of critical sections in progress (rolling batches). */
  private critical = 0;
  /** Hosts that got their Interrupted in their current turn (their code is unwinding). */
  private readonly unwound = new Set<string>();
  /** Set once a phase threw Interrupted to the body: what the body does now is cleanup. */
  private unwindingNow = false;
  get unwinding(): boolean {
    return this.unwindingNow;
  }
  set unwinding(v: boolean) {
    this.unwindingNow = v;
    this.update();
  }
  /** Per host: aborted when its waits must end (stopping outside a critical section, or stop now). */
  private readonly hostControllers = new Map<string, AbortController>();

  /** Per host: the jobs the first Ctrl-C left running there (what, pid, where): the recap says so. */
  readonly left = new Map<string, string[]>();

  constructor(
    /** The first Ctrl-C. */
    readonly stopping: AbortSignal,
    /** The second Ctrl-C. */
    readonly now: AbortSignal,
    /** How long a job in flight gets after the first Ctrl-C before drover stops waiting for it (interruptGraceMs). */
    readonly graceMs: number = interruptGraceMs(),
  ) {
    // Every host's job in flight listens for the second Ctrl-C (job-run.ts): with --forks 30, 30 listeners
    // are the design, not a leak (Node's warning would land on the user's terminal).
    setMaxListeners(0, now);
    stopping.addEventListener('abort', () => this.update(), { once: true });
    now.addEventListener('abort', () => this.update(), { once: true });
  }

  get requested(): boolean {
    return this.stopping.aborted || this.now.aborted;
  }

  /** Whether a new unit of work (phase, batch, host in a phase) may start. */
  mayStart(): boolean {
    if (this.now.aborted) return false;
    return !this.stopping.aborted || this.critical > 0 || this.unwinding;
  }

  /** Whether `host`'s waits must end now: stop at once, or stopping outside any critical section and cleanup. */
  private waitsEnd(host: string): boolean {
    if (this.now.aborted) return true;
    return this.stopping.aborted && this.critical === 0 && !this.unwinding && !this.unwound.has(host);
  }

  /** Runs `fn` as a critical section: the first Ctrl-C waits for its end. */
  async criticalSection<T>(fn: () => Promise<T>): Promise<T> {
    this.critical++;
    try {
      return await fn();
    } finally {
      this.critical--;
      this.update();
    }
  }

  /** A host starts its turn in a phase: a fresh turn gets its own Interrupted. */
  beginTurn(host: string): void {
    this.unwound.delete(host);
    this.update();
  }

  /**
   * The signal a host's waits (retry delays, reconnects, long commands) end on, as of now: ask again for
   * each wait. Once the host got its Interrupted, its cleanups get a fresh one that only the second Ctrl-C ends.
   */
  waitSignal(host: string): AbortSignal {
    if (!this.hostControllers.has(host)) this.hostControllers.set(host, new AbortController());
    this.update();
    return this.hostControllers.get(host)!.signal;
  }

  /** Before a command is sent on `host`: throws the Interrupted it is due, or when everything stops. */
  beforeCommand(host: string, what: string): void {
    if (this.now.aborted) throw new Interrupted(`stopped at once (second Ctrl-C) before: ${what}`);
    this.deliver(host, `interrupted before: ${what}`);
  }

  /**
   * After a command on `host` returned. On a second Ctrl-C nothing goes on. On the first, the command in
   * flight finished and its result stands (its module call completes and counts): the host gets its
   * Interrupted at its next command (beforeCommand), as drover has always done ("commands in flight finish,
   * nothing new starts").
   */
  afterCommand(host: string, what: string): void {
    if (this.now.aborted) throw new Interrupted(`stopped at once (second Ctrl-C) after ${what}`);
    if (this.stopping.aborted) this.pending.add(host);
  }

  /**
   * After a top-level module call on `host` completed (its module-end already shows its real status): the
   * host's Interrupted comes here, so a `finally` after it runs its cleanups, and the call still counts.
   */
  afterModule(host: string): void {
    if (!this.pending.delete(host)) return;
    this.deliver(host, 'interrupted after the module call in flight finished');
  }

  /** `host` got an Interrupted some other way (its wait on a long command ended): it counts as delivered. */
  delivered(host: string): void {
    if (this.stopping.aborted) this.unwound.add(host);
    this.update();
  }

  /** A job on `host` still ran when its grace ended: left running there, named in the recap. */
  leftRunning(host: string, line: string): void {
    this.left.set(host, [...(this.left.get(host) ?? []), line]);
  }

  /** Hosts whose command in flight finished after the first Ctrl-C: their module call ends, then Interrupted. */
  private readonly pending = new Set<string>();

  private deliver(host: string, message: string): void {
    if (!this.stopping.aborted || this.critical > 0 || this.unwinding || this.unwound.has(host)) return;
    this.unwound.add(host);
    this.update();
    throw new Interrupted(message);
  }

  private update(): void {
    for (const [host, c] of this.hostControllers) {
      const end = this.waitsEnd(host);
      if (end && !c.signal.aborted) c.abort();
      else if (!end && c.signal.aborted) this.hostControllers.set(host, new AbortController());
    }
  }
}

/** The env var that sets the grace (whole milliseconds; 0 stops waiting for jobs at once). */
export const GRACE_VAR = 'DROVER_INTERRUPT_GRACE_MS';

/**
 * How long a job (a changing command a module applies, detached from the connection) may still run after
 * the first Ctrl-C and count: long enough for the usual quick command to finish and report, short enough
 * that an hour-long build never holds the prompt; the build goes on on the host and a rerun re-attaches.
 */
export function interruptGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = env[GRACE_VAR];
  if (v === undefined || v === '') return 5000;
  if (!/^\d{1,9}$/.test(v.trim()))
    throw new Error(`${GRACE_VAR}=${JSON.stringify(v.slice(0, 40))}: expected whole milliseconds (say 5000, or 0)`);
  return Number(v.trim());
}

/** A RunInterrupt that never fires (runs without Ctrl-C handling: tests, library use). */
export function neverInterrupted(signal?: AbortSignal, now?: AbortSignal): RunInterrupt {
  return new RunInterrupt(signal ?? new AbortController().signal, now ?? new AbortController().signal);
}
