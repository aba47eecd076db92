// Runs one command as a job and waits for it through dropped links (reconnect, re-attach) and Ctrl-C (stop waiting).
import { HostKeyError, Interrupted, UnreachableError } from '../errors.ts';
import type { ShellFunction } from '../sh.ts';
import type { JobInfo } from '../shell/job-script.ts';
import { clock, type OutputCursor, type ProgressTicker } from './long-command.ts';
import { CutOffError, type RawResult, type Transport } from './transport.ts';

/** What a job needs of its host (RunHost). */
export interface JobHost {
  readonly name: string;
  /** Ends the wait (Ctrl-C): the job then gets `graceMs` more to finish and count, unless `stopNow` ends it. */
  readonly signal?: AbortSignal;
  /** After `signal`, how long the job may still finish and count (RunInterrupt.graceMs; default 0). */
  readonly graceMs?: number;
  /** The second Ctrl-C: stop waiting at once, grace or not. */
  readonly stopNow?: AbortSignal;
  /** Drover stopped waiting; the job runs on: `line` says what and where (for the recap). */
  leftRunning?(line: string): void;
  connect(): Promise<Transport>;
  reconnect(options: { timeoutMs: number; delayMs: number }): Promise<void>;
  /** Forgets a dropped connection: the next command opens a new one. */
  forget(): void;
  log(line: string): void;
}

export interface JobCommand {
  text: string;
  /** The command as it may be shown (secrets masked), for messages. */
  display: string;
  stdin?: Buffer;
  functions: readonly ShellFunction[];
  key: string;
  /** The run asking (RunHost's run id): see JobFrame.run. */
  run: string;
  budgetMs: number;
  cursor: OutputCursor;
  ticker: ProgressTicker;
}

/** How the Interrupted of a command left running on the host starts (renderers show it). */
export const STILL_RUNNING = 'stopped waiting: ';

/** The command's first line, short: messages reach every output (JSON too). */
function short(display: string): string {
  const first = display.split('\n', 1)[0];
  return `${first.length > 80 ? first.slice(0, 77) + '...' : first}${display.includes('\n') ? ' ...' : ''}`;
}

/** Where the job is on the host, as far as drover knows it (`brief`: pid and stdout only, for the recap). */
function whereItIs(c: JobCommand, job?: JobInfo, brief = false): string {
  const dir = job?.dir ?? `~/.drover/jobs/${c.key}`;
  const pid = job ? `pid ${job.pid}` : `pid in ${dir}/p`;
  return brief
    ? `${pid}, output in ${dir}/o`
    : `${pid}, output in ${dir}/o and ${dir}/e, exit status in ${dir}/s when it ends`;
}

/**
 * Resolves with the command's result; rejects with Interrupted when the run is interrupted while it
 * waits (the job runs on), with UnreachableError when the link stays lost past the budget (the job runs
 * on), with HostKeyError when the host comes back with another key.
 */
export async function runJob(h: JobHost, t: Transport, c: JobCommand): Promise<RawResult> {
  let job: JobInfo | undefined;
  let attempt = 0;
  const onJob = (j: JobInfo) => {
    job = j;
    if (j.how === 'attach' && attempt === 0) {
      c.ticker.attached(j.pid);
      h.log(`already running on the host since an earlier run (pid ${j.pid}): waiting for it, not starting it again`);
    }
  };
  const stillRunning = () => {
    h.leftRunning?.(`${short(c.display)} still running (${whereItIs(c, job, true)}); a rerun re-attaches`);
    return `${STILL_RUNNING}${short(c.display)} is still running on ${h.name} (${whereItIs(c, job)}); a rerun re-attaches to it`;
  };
  for (;;) {
    try {
      return await untilAborted(
        t.run(c.text, {
          stdin: attempt === 0 ? c.stdin : undefined,
          onOutput: c.cursor.attempt(),
          functions: c.functions,
          job: { key: c.key, run: c.run, attachOnly: attempt > 0 },
          onJob,
        }),
        h,
        () => {
          // The job runs on in its own session: drop the connection the shell waits on, and say where it is.
          t.drop?.('interrupted: stopped waiting for the command');
          h.forget();
          return new Interrupted(stillRunning());
        },
      );
    } catch (e) {
      if (!(e instanceof CutOffError)) throw e;
      const lostAt = Date.now();
      c.ticker.linkLost(lostAt, c.budgetMs, job?.pid);
      h.log(`link lost while the command runs: reconnecting (budget ${clock(c.budgetMs)}): ${e.message}`);
      try {
        await h.reconnect({ timeoutMs: Math.max(1, c.budgetMs), delayMs: 1000 });
      } catch (re) {
        if (re instanceof HostKeyError) throw re;
        if (re instanceof Interrupted) throw new Interrupted(stillRunning());
        throw new UnreachableError(
          h.name,
          `link lost while ${short(c.display)} ran, not back within the re-attach budget (${clock(c.budgetMs)}): ` +
            `${(re as Error).message}\nlast known state: running (${whereItIs(c, job)})`,
          { cause: re },
        );
      }
      c.ticker.linkBack();
      h.log(`reconnected after ${clock(Date.now() - lostAt)}: re-attaching to the command`);
      t = await h.connect();
      attempt++;
    }
  }
}

/**
 * `p`, or `stop()`'s error once `w.signal` aborted and `w.graceMs` passed without `p` settling (at once on
 * `w.stopNow`). Within the grace the job's result counts as any command's does: a quick command in flight at
 * Ctrl-C finishes and reports, as before jobs; only one still running after it is left on the host.
 */
function untilAborted<T>(
  p: Promise<T>,
  w: Pick<JobHost, 'signal' | 'graceMs' | 'stopNow'>,
  stop: () => Error,
): Promise<T> {
  const { signal, stopNow } = w;
  if (!signal && !stopNow) return p;
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const end = () => {
      if (stopped) return;
      stopped = true;
      reject(stop());
    };
    const onAbort = () => {
      if (stopNow?.aborted || !w.graceMs) return end();
      timer ??= setTimeout(end, w.graceMs);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    stopNow?.addEventListener('abort', end, { once: true });
    if (stopNow?.aborted) end();
    else if (signal?.aborted) onAbort();
    p.then(
      (v) => (stopped ? undefined : ((stopped = true), resolve(v))),
      (e) => (stopped ? undefined : ((stopped = true), reject(e))),
    ).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      stopNow?.removeEventListener('abort', end);
    });
  });
}
