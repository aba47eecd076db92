// Helpers for commands that outlive the connection: the job key, the re-attach budget, output seen once, progress ticks.
import { createHash } from 'node:crypto';
import type { RunEvent } from '../events.ts';
import type { CommandOptions } from './transport.ts';

/** How long a host may stay unreachable while a job runs there before it is given up (per outage). */
export const DEFAULT_REATTACH_BUDGET_MS = 5 * 60_000;

/** The inventory var that sets a host's budget (wins over --reattach-budget, as connection vars do). */
export const REATTACH_BUDGET_VAR = 'drover_reattach_budget';

/**
 * The name of one command on one host: the same module call with the same parameters (its command text
 * and stdin) gets the same key in every run, so a rerun finds it. A hash: the key shows nothing of the
 * text, which may hold a secret (it is 128 bits of SHA-256, and the text it hashes is never stored).
 */
export function jobKey(host: string, module: string, text: string, stdin?: Buffer): string {
  const h = createHash('sha256');
  for (const part of ['drover-job-v1', host, module, text]) h.update(part).update('\0');
  if (stdin) h.update(createHash('sha256').update(stdin).digest());
  return h.digest('hex').slice(0, 32);
}

/** "90s", "10m", "1h", "1h30m", or plain seconds → ms; `where` names the flag or var in the error. */
export function parseDuration(value: unknown, where: string): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$/.exec(text);
  if (!text || !m || (m[1] ?? m[2] ?? m[3]) === undefined)
    throw new Error(
      `${where}: ${JSON.stringify(value)} is not a duration (say 90s, 10m, 1h30m, or a number of seconds)`,
    );
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** m:ss (h:mm:ss from an hour on). */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const mm = String(Math.floor(s / 60) % 60);
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm.padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

type Stream = 'stdout' | 'stderr';
type OnOutput = NonNullable<CommandOptions['onOutput']>;

/**
 * Hands a command's live output on exactly once across attempts: re-attaching copies its files from the
 * start again, and the bytes an earlier attempt already handed on are skipped.
 */
export class OutputCursor {
  private readonly seen: Record<Stream, number> = { stdout: 0, stderr: 0 };
  constructor(private readonly sink?: OnOutput) {}

  /** The onOutput of one attempt (positions count from the start of the files). */
  attempt(): OnOutput | undefined {
    const sink = this.sink;
    if (!sink) return undefined;
    const pos: Record<Stream, number> = { stdout: 0, stderr: 0 };
    return (chunk, stream) => {
      const start = pos[stream];
      pos[stream] += chunk.length;
      const skip = Math.max(0, this.seen[stream] - start);
      if (skip >= chunk.length) return;
      this.seen[stream] = pos[stream];
      sink(chunk.subarray(skip), stream);
    };
  }
}

/** No progress for a command that ends within this: quick commands stay silent. */
const FIRST_MS = 2000;
/** A running command's progress event at most this often (every second while the link is lost). */
const EVERY_MS = 5000;

type ProgressEvent = Extract<RunEvent, { kind: 'progress' }>;

/** Emits `progress` events for one command: elapsed time, its own step, the link's state. */
export class ProgressTicker {
  private readonly started = Date.now();
  private step?: { label: string; since: number };
  private link?: { lostAt: number; budgetMs: number; pid?: number };
  private attachedPid?: number;
  private last = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly emit: (e: Omit<ProgressEvent, 'kind' | 'host' | 'module'>) => void) {
    this.timer = setInterval(() => this.tick(false), 1000);
    this.timer.unref();
  }

  /** The command's own step changed ("(12 of 57) dev-lang/ghc-9.2.8 compile"). */
  setStep(label: string): void {
    if (this.step?.label === label) return;
    this.step = { label, since: Date.now() };
    this.tick(true);
  }

  /** The command was already running, started by an earlier run (a rerun re-attached to it): every event says so. */
  attached(pid: number): void {
    this.attachedPid = pid;
    this.tick(true);
  }

  linkLost(lostAt: number, budgetMs: number, pid?: number): void {
    this.link = { lostAt, budgetMs, pid };
    this.tick(true);
  }

  linkBack(): void {
    this.link = undefined;
    this.tick(true);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(now: boolean): void {
    const t = Date.now();
    const elapsedMs = t - this.started;
    if (!now && (elapsedMs < FIRST_MS || t - this.last < (this.link ? 1000 : EVERY_MS) - 50)) return;
    this.last = t;
    this.emit({
      elapsedMs,
      ...(this.step ? { step: this.step.label, stepMs: t - this.step.since } : {}),
      ...(this.attachedPid ? { attached: { pid: this.attachedPid } } : {}),
      ...(this.link
        ? {
            link: {
              lostMs: t - this.link.lostAt,
              budgetMs: this.link.budgetMs,
              ...(this.link.pid ? { pid: this.link.pid } : {}),
            },
          }
        : {}),
    });
  }
}
