// retry(): run a step again until it succeeds (or its result satisfies `until`), each attempt reported as an event.
import { setTimeout as sleep } from 'node:timers/promises';
import { Interrupted, redactError, rootCause } from './errors.ts';
import { runtimeOf } from './host.ts';

export interface RetryOptions<T> {
  /** Attempts in all, the first included (>= 1). */
  attempts: number;
  /** Milliseconds before the second attempt. Default 1000. */
  delay?: number;
  /** Each further delay is the previous one times this. Default 1 (a fixed delay). */
  backoff?: number;
  /** Upper bound of a delay after backoff. Default: none. */
  maxDelay?: number;
  /**
   * Decides whether a result is final: true ends the retry; false or a string (why not, shown in the
   * attempt's event) asks again. Without it, any result that does not throw is final.
   */
  until?: (value: T) => boolean | string;
  /**
   * The host the step is about: its attempts are events on that host (progress view, --json) and
   * Ctrl-C cuts a delay short. A host without drover's runtime gets a progress line per attempt.
   */
  host?: { readonly name: string; log(line: string): void };
  /** What is being tried, for the events and the final error. Default 'retry'. */
  what?: string;
  /** Ends a delay early (Interrupted). Default: the host's run signal, if any. */
  signal?: AbortSignal;
}

/**
 * Thrown when every attempt ran and `until` never accepted a result: the last result is kept. Its
 * message is masked with the run's secrets; `last` is the real value, so it is not enumerable (a
 * console.error of the error would print it, command output holding a secret included).
 */
export class RetryExhausted<T = unknown> extends Error {
  override name = 'RetryExhausted';
  declare readonly last: T;
  constructor(
    message: string,
    last: T,
    readonly attempts: number,
  ) {
    super(message);
    Object.defineProperty(this, 'last', { value: last, enumerable: false });
  }
}

/** Validated options, with the delay before attempt n+1 (pure: tests and the plan line use it). */
export function retryDelay(o: Pick<RetryOptions<unknown>, 'delay' | 'backoff' | 'maxDelay'>, attempt: number): number {
  const d = (o.delay ?? 1000) * (o.backoff ?? 1) ** (attempt - 1);
  return Math.round(o.maxDelay === undefined ? d : Math.min(d, o.maxDelay));
}

function validate(o: RetryOptions<unknown>): void {
  const what = o.what ?? 'retry';
  if (!Number.isInteger(o.attempts) || o.attempts < 1)
    throw new TypeError(`${what}: attempts ${o.attempts} is not a whole number >= 1`);
  for (const k of ['delay', 'maxDelay'] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0))
      throw new TypeError(`${what}: ${k} ${v} is not a number of milliseconds >= 0`);
  }
  if (o.backoff !== undefined && !(Number.isFinite(o.backoff) && o.backoff >= 1))
    throw new TypeError(`${what}: backoff ${o.backoff} is not a number >= 1`);
}

/**
 * Runs `fn` up to `attempts` times. An attempt fails when `fn` throws or `until` rejects its result;
 * Ctrl-C (Interrupted) is never retried. After the last failed attempt the last error is thrown
 * (`what: failed after N attempts: ...`), or RetryExhausted with the last result.
 *
 *     await retry(() => command(host, { cmd: sh`curl -fsS http://localhost/health` }), { attempts: 10, delay: 2000, host, what: 'health check' })
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions<T>): Promise<T> {
  validate(o as RetryOptions<unknown>);
  const what = o.what ?? 'retry';
  const rt = o.host ? runtimeOf(o.host as never) : undefined;
  const signal = o.signal ?? rt?.signal;
  const report = (attempt: number, outcome: 'ok' | 'retry' | 'failed', message?: string, delayMs?: number) => {
    if (rt) {
      rt.events.emit({
        kind: 'retry',
        host: o.host!.name,
        what,
        attempt,
        attempts: o.attempts,
        outcome,
        ...(message !== undefined && { message }),
        ...(delayMs !== undefined && { delayMs }),
      });
    } else if (o.host && outcome !== 'ok') {
      o.host.log(
        `${what} failed (attempt ${attempt} of ${o.attempts})${outcome === 'retry' ? `, retrying in ${delayMs} ms` : ''}: ${message ?? ''}`,
      );
    }
  };
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new Interrupted(`interrupted before attempt ${attempt} of ${what}`);
    let why: string;
    let error: unknown;
    let value: T | undefined;
    try {
      value = await fn(attempt);
      const verdict = o.until ? o.until(value) : true;
      if (verdict === true) {
        report(attempt, 'ok');
        return value;
      }
      why = typeof verdict === 'string' && verdict ? verdict : 'until() said not yet';
    } catch (err) {
      if (rootCause(err) instanceof Interrupted) throw err;
      error = err;
      why = err instanceof Error ? err.message : String(err);
    }
    const firstLine = why.split('\n')[0];
    if (attempt >= o.attempts) {
      report(attempt, 'failed', firstLine);
      if (error !== undefined) {
        if (o.attempts > 1 && error instanceof Error) prefix(error, `${what} failed after ${o.attempts} attempts: `);
        // The events are masked by RedactingSink; the error itself may be caught and printed.
        if (rt) redactError(error, (text) => rt.secrets.redact(text));
        throw error;
      }
      const message = `${what}: not done after ${o.attempts} attempt(s): ${why}`;
      throw new RetryExhausted(rt ? rt.secrets.redact(message) : message, value as T, attempt);
    }
    const ms = retryDelay(o, attempt);
    report(attempt, 'retry', firstLine, ms);
    try {
      await sleep(ms, undefined, signal ? { signal } : undefined);
    } catch (err) {
      if (signal?.aborted) throw new Interrupted(`interrupted while waiting to retry ${what}`);
      throw err;
    }
  }
}

/** Puts `text` before an error's message, in its stack's first line too (what console.error prints). */
function prefix(error: Error, text: string): void {
  const head = `${error.name}: ${error.message}`;
  error.message = text + error.message;
  if (error.stack?.startsWith(head)) error.stack = `${error.name}: ${error.message}${error.stack.slice(head.length)}`;
}

/**
 * One line for a retry event, or undefined for a first attempt that succeeded (nothing worth a line):
 * `gnt-cluster verify: attempt 2 of 6 failed (ERROR:...), next in 3000 ms`.
 */
export function describeAttempt(e: {
  what: string;
  attempt: number;
  attempts: number;
  outcome: 'ok' | 'retry' | 'failed';
  message?: string;
  delayMs?: number;
}): string | undefined {
  if (e.outcome === 'ok')
    return e.attempt > 1 ? `${e.what}: attempt ${e.attempt} of ${e.attempts} succeeded` : undefined;
  const why = e.message ? ` (${e.message})` : '';
  return e.outcome === 'retry'
    ? `${e.what}: attempt ${e.attempt} of ${e.attempts} failed${why}, next in ${e.delayMs} ms`
    : `${e.what}: attempt ${e.attempt} of ${e.attempts} failed${why}, giving up`;
}
