// Everything a run reports, as one discriminated union: each renderer must handle every kind.
import type { SecretSet } from './secret.ts';

/** A file a module changed or would change; null means the file is (or will be) absent. */
export interface FileChange {
  path: string;
  before: string | null;
  after: string | null;
}

/** 'unreachable' and 'interrupted': the module stopped because the connection dropped or Ctrl-C came. */
export type ModuleStatus = 'ok' | 'changed' | 'skipped' | 'failed' | 'unreachable' | 'interrupted';

export interface HostStats {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: number;
  /**
   * Module calls that failed and whose failure the playbook handled — caught (try/catch, `.catch`,
   * Promise.allSettled) or retried by retry() — so it never left the host's body: Ansible's `rescued`.
   * `failed` counts only failures that escaped (the host left the play).
   */
  rescued: number;
}

/** The failed module call (its failed module-end) that an escaping error is: counted once, as the host's failure. */
export interface FailedModule {
  host: string;
  module: string;
}

/**
 * One distinct change of a phase and every host it was made on: the same module call (title, callsite) with
 * the same diff text. A change made identically on 500 hosts is one group; a host whose diff differs has its own.
 */
export interface DiffGroup {
  title: string;
  callsite?: string;
  /** In the phase's host order. */
  hosts: string[];
  /** Unified diffs as `module-end` JSON gives them (plain text, masked like every event). */
  changes: { path: string; diff: string }[];
  /** The module's --diff detail (an emerge plan, a command's output), when it gave one. */
  detail?: string;
}

export type RunEvent =
  | { kind: 'run-start'; playbook: string; name: string; hosts: string[]; check: boolean }
  | { kind: 'phase-start'; phase: string; hosts: string[] }
  | { kind: 'phase-end'; phase: string; ms: number }
  /**
   * Just before phase-end, when the phase changed (or would change) files or gave --diff detail: the
   * phase's diffs grouped by identical change (core/render/group-diffs.ts derives it from module-end events).
   */
  | { kind: 'phase-diffs'; phase: string; groups: DiffGroup[] }
  /** One host finished its part of a phase (the others may still be at work). */
  | { kind: 'phase-host-end'; phase: string; host: string; status: 'ok' | 'failed' | 'unreachable' | 'interrupted' }
  | { kind: 'module-start'; host: string; module: string; title: string; callsite?: string }
  | { kind: 'module-progress'; host: string; module: string; line: string }
  /**
   * Where a long command is (emitted after its first 2 s, then every 5 s, at once on a change): its elapsed
   * time, its own step parsed from its output (`step`, in it for `stepMs`: "(12 of 57) dev-lang/ghc-9.2.8
   * compile"), and while the link is lost, for how long and the re-attach budget (the command runs on).
   */
  | {
      kind: 'progress';
      host: string;
      module: string;
      elapsedMs: number;
      step?: string;
      stepMs?: number;
      link?: { lostMs: number; budgetMs: number; pid?: number };
      /** The command was already running, started by an earlier run: this run waits for it (never starts it twice). */
      attached?: { pid: number };
    }
  | {
      /**
       * status 'failed' says the call failed at that moment; the playbook may still catch it (then the
       * recap counts it as rescued, not failed, and the host stays in the play).
       */
      kind: 'module-end';
      host: string;
      module: string;
      title: string;
      status: ModuleStatus;
      ms: number;
      callsite?: string;
      /** One line: what changed, why it was skipped, or what failed. */
      message?: string;
      changes?: FileChange[];
      /** Extra detail shown with --diff (an emerge plan, a command's output). */
      detail?: string;
    }
  /** `failedModule`: the error is that module call's failure, already shown by its failed module-end. */
  | { kind: 'host-failed'; host: string; phase: string; message: string; failedModule?: FailedModule }
  | { kind: 'host-unreachable'; host: string; phase: string; message: string }
  | { kind: 'warning'; host?: string; message: string }
  /** `failedModule`: a playbook error that is a module call's failure (made outside a phase, or rethrown from one). */
  | { kind: 'play-stopped'; reason: string; failedModule?: FailedModule }
  /** A phase left out by --phase/--start-at: its fn did not run. */
  | { kind: 'phase-skipped'; phase: string; reason: string }
  /**
   * A rolling phase's plan, when it starts: its batches in order (hosts still in play then), and the
   * play-wide failure budget (`budget` hosts may fail or be unreachable in the whole play; `of` hosts).
   */
  | { kind: 'rolling-plan'; phase: string; batches: string[][]; budget: number; of: number }
  /** A rolling phase's batch starts (`index` from 1) or ended; `failed` counts the play's lost hosts so far. */
  | { kind: 'batch-start'; phase: string; index: number; count: number; hosts: string[] }
  | { kind: 'batch-end'; phase: string; index: number; count: number; failed: number; budget: number }
  /** The failure budget was exceeded: no new batch started; `notStarted` never ran any of the rolling phase. */
  | { kind: 'rolling-stopped'; phase: string; reason: string; notStarted: string[] }
  /**
   * One attempt of retry(): `outcome` 'retry' (another attempt follows after `delayMs`), 'ok', or
   * 'failed' (the last attempt failed); `message` is the error or the until-verdict.
   */
  | {
      kind: 'retry';
      host?: string;
      what: string;
      attempt: number;
      attempts: number;
      outcome: 'ok' | 'retry' | 'failed';
      message?: string;
      delayMs?: number;
    }
  /** `notStarted`: hosts a stopped rolling phase never started (also in no later phase). */
  | {
      kind: 'recap';
      stats: Record<string, HostStats>;
      ms: number;
      check: boolean;
      interrupted: boolean;
      notStarted?: string[];
      /** What the play reported about the systems it manages (play.state), and what a second Ctrl-C left unfinished. */
      state?: string[];
      /** Per host: the commands Ctrl-C left running there (a job past its grace): what, pid, output path. */
      stillRunning?: Record<string, string[]>;
    };

export type EventKind = RunEvent['kind'];

/**
 * The `default:` of every renderer's switch over event kinds: a new RunEvent kind fails compilation
 * (its value is not `never`) until each renderer says what it shows for it.
 */
export function unhandledEvent(e: never): never {
  throw new Error(`no renderer case for event ${JSON.stringify(e)}`);
}

/** Receives events; renderers implement it. */
export interface EventSink {
  emit(event: RunEvent): void;
  /** Called once after the recap; resolves when output is flushed. */
  end(): Promise<void>;
}

/** Fans one event stream out to several sinks (a renderer and the runner's own bookkeeping). */
export class EventBus implements EventSink {
  private sinks: EventSink[] = [];
  add(sink: EventSink): void {
    this.sinks.push(sink);
  }
  emit(event: RunEvent): void {
    for (const s of this.sinks) s.emit(event);
  }
  async end(): Promise<void> {
    for (const s of this.sinks) await s.end();
  }
}

/**
 * The one place secrets are masked: every string of every event (messages, titles, diffs, command
 * output, errors) is redacted with the run's current secrets before any sink sees it. Renderers and
 * modules need not remember to redact, and a secret registered late still masks everything after.
 */
export class RedactingSink implements EventSink {
  constructor(
    readonly inner: EventSink,
    readonly secrets: SecretSet,
  ) {}
  emit(event: RunEvent): void {
    this.inner.emit(this.secrets.redactDeep(event));
  }
  end(): Promise<void> {
    return this.inner.end();
  }
}

/** `sink` behind redaction with `secrets` (itself when it already is). */
export function redacting(sink: EventSink, secrets: SecretSet): RedactingSink {
  return sink instanceof RedactingSink && sink.secrets === secrets ? sink : new RedactingSink(sink, secrets);
}
