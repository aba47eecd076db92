// The handle a playbook and its modules hold for one host: vars, check mode, and exec over its transport.
import { CheckModeViolation, CommandError, HostKeyError, Interrupted, UnreachableError } from './errors.ts';
import { currentModuleOn } from './engine/module-context.ts';
import { parseBool } from './inventory/connection-vars.ts';
import { redacting, type EventSink } from './events.ts';
import { isSecret, SecretSet, type Secret, type SecretText } from './secret.ts';
import { randomBytes } from 'node:crypto';
import { ShellCommand } from './sh.ts';
import { isStreamedStdin, type RawResult, type StreamedStdin, type Transport } from './transport/transport.ts';
import { runJob } from './transport/job-run.ts';
import {
  DEFAULT_REATTACH_BUDGET_MS,
  jobKey,
  OutputCursor,
  parseDuration,
  ProgressTicker,
  REATTACH_BUDGET_VAR,
} from './transport/long-command.ts';

export interface ExecOptions {
  /**
   * Bytes or text for the command's stdin (file content travels here, never in argv). A Secret is sent
   * revealed and masked in all output. A StreamedStdin (a big local file) is read as the host takes it,
   * never held whole in memory.
   */
  stdin?: string | Uint8Array | Secret | StreamedStdin;
  /** The command only reads state: it also runs in --check mode. Without it, --check refuses to run it. */
  readOnly?: boolean;
  /** Exit codes that count as success (default [0]). Others throw a CommandError. */
  okCodes?: readonly number[];
  /** Never throw on the exit code; the caller inspects `code`. */
  allowFail?: boolean;
  /**
   * Stream output lines to the progress view (long emerges). A function also reads each line and returns
   * the command's current step when it changed ("(12 of 57) dev-lang/ghc-9.2.8 compile"), for `progress` events.
   */
  progress?: boolean | ((line: string) => string | undefined);
  /**
   * Run a changing command (not readOnly) detached from the connection, as a job: it survives a dropped
   * link, is re-attached after a reconnect or by a rerun, never started twice (docs/connections.md "Long
   * commands"). Default: on for a module's apply, off for a raw exec outside any module; `--detach` /
   * `--no-detach` (the host var `drover_detach` wins) turn it on or off for every changing command.
   * `false` opts this one out (a command that must die with the connection, or takes it down on purpose).
   */
  detach?: boolean;
}

export interface ExecResult {
  code: number;
  /** stdout decoded as UTF-8 (use stdoutBytes for exact bytes). */
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
  /** The command as it may be shown (secrets masked). */
  command: string;
}

/** What a play and its modules see of one host. V is the typed host vars. */
export interface Host<V = Record<string, unknown>> {
  /** Inventory name. */
  readonly name: string;
  /** Merged vars (see README: precedence). */
  readonly vars: V;
  readonly groups: readonly string[];
  /** --check: modules must report what they would change and change nothing. */
  readonly check: boolean;
  /** Runs one command in the host's shell (one round trip, no new SSH session). */
  exec(cmd: ShellCommand, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Drops the connection and opens a new one, retrying until the host answers (default 120 s). Only for
   * a step that takes the connection down on purpose (a reboot, moving the address onto a bridge);
   * anywhere else a lost connection leaves the host unreachable. A changed host key is never retried.
   */
  reconnect(options?: { timeoutMs?: number; delayMs?: number }): Promise<void>;
  /** A progress line for the host's line in the progress view. */
  log(line: string): void;
  /**
   * Registers a handler (Ansible's notify): runs once at the end of the current phase for this host,
   * however many times it is notified. Returns nothing; the handler's result is reported as a module.
   */
  notify(key: string, handler: () => Promise<unknown>): void;
  /** Per-host memo for modules (init system, OS facts): computed once per run. */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /**
   * Records `keys` (OpenSSH public key lines, "ssh-ed25519 AAAA...") as the known host keys of the
   * inventory host `target`, replacing the ones drover knew. Only for steps that replace a host's SSH
   * keys on purpose (gnt-node add gives a node the cluster's keys); never a way to skip verification.
   */
  trustHostKeys(target: string, keys: readonly string[]): Promise<void>;
}

/** Internal per-host runtime that modules' helper reaches through `runtimeOf`. */
export interface HostRuntime {
  /** Behind redaction with `secrets`: nothing a host emits shows a secret. */
  events: EventSink;
  /** The run's secrets (shared by all its hosts): grows as commands holding Secrets run. */
  secrets: SecretSet;
  /** Set while a module runs: nested module calls do not emit their own events. */
  handlers: Map<string, () => Promise<unknown>>;
  /** The run's Ctrl-C signal: retry() cuts its delays short with it. */
  signal?: AbortSignal;
  /** After a top-level module call completed: throws the host's Interrupted when Ctrl-C made one due. */
  afterModule?: () => void;
}

/**
 * Why a Symbol.for property and not a module-level WeakMap: a site may end up with a second copy of
 * drover (its own node_modules, a .ts source beside its dist/ build). A WeakMap belongs to one copy, so
 * modules from the other copy would find no runtime and run silently, losing their events. The
 * registry symbol is shared by every copy in the process.
 */
const RUNTIME = Symbol.for('drover.host-runtime');

export function runtimeOf(host: Host<unknown>): HostRuntime | undefined {
  return (host as unknown as { [RUNTIME]?: HostRuntime })[RUNTIME];
}

/** Gives a view of `host` (the read-only host a facts step gets) the host's runtime, so retry() there reports events. */
export function shareRuntime<T extends object>(host: Host<unknown>, view: T): T {
  const rt = runtimeOf(host);
  if (rt) Object.defineProperty(view, RUNTIME, { value: rt, enumerable: false });
  return view;
}

/**
 * Adds secrets a module is about to use (a file body it writes) to the run's set, so output that
 * echoes them is masked from then on. Secrets interpolated in sh`` are registered by exec itself.
 */
export function registerSecrets(host: Host<unknown>, secrets: Iterable<Secret | SecretText>): void {
  runtimeOf(host)?.secrets.add(...secrets);
}

export interface HostInit<V> {
  name: string;
  vars: V;
  groups: readonly string[];
  check: boolean;
  /** Opens the connection; `timeoutMs` (reconnect's budget left) bounds the attempt, timeouts of its own included. */
  transport: (o?: { timeoutMs?: number }) => Promise<Transport>;
  events: EventSink;
  /** The run's secrets (default: a set of its own). Events this host emits are redacted with it. */
  secrets?: SecretSet;
  /** Implements Host.trustHostKeys (the runner passes one bound to its known_hosts file). */
  trustHostKeys?: (target: string, keys: readonly string[]) => Promise<void>;
  /** This host's stop-waiting signal (core/engine/interrupt.ts): retry delays and reconnects end on it. */
  signal?: AbortSignal;
  /** Ctrl-C's refusals (core/engine/interrupt.ts): each throws the Interrupted due before or after a command. */
  interrupt?: {
    beforeCommand(host: string, what: string): void;
    afterCommand(host: string, what: string): void;
    /** The host got its Interrupted elsewhere (a wait cut short): its cleanups may run commands. */
    delivered(host: string): void;
    /** The signal this host's wait for a command ends on, as of now. */
    waitSignal(host: string): AbortSignal;
    /** After a top-level module call completed: its Interrupted, when one is due. */
    afterModule?(host: string): void;
    /** After the first Ctrl-C, how long a job in flight may still finish and count. */
    readonly graceMs?: number;
    /** The second Ctrl-C: a job's wait ends at once. */
    readonly now?: AbortSignal;
    /** A job the host's wait gave up on runs on there: what and where, for the recap. */
    leftRunning?(host: string, line: string): void;
  };
  /** How long a lost link may stay lost while a detached command runs (--reattach-budget; the host var wins). */
  reattachBudgetMs?: number;
  /**
   * Which changing commands run as jobs that outlive the connection: true (--detach) every one, false
   * (--no-detach) none, undefined (the default) those a module's apply runs. The var drover_detach wins.
   */
  detach?: boolean;
}

/** The one implementation of Host: everything goes through a lazily opened Transport. */
export class RunHost<V> implements Host<V> {
  readonly name: string;
  readonly vars: V;
  readonly groups: readonly string[];
  readonly check: boolean;
  private transportP?: Promise<Transport>;
  private readonly openTransport: (o?: { timeoutMs?: number }) => Promise<Transport>;
  private readonly memos = new Map<string, Promise<unknown>>();
  /** Names this run to the host's jobs: a finished job goes only to the run that started it (job-script.ts). */
  private readonly runId = randomBytes(8).toString('hex');
  /** Identical changing commands in flight on this host: each gets a job of its own (the key's occurrence). */
  private readonly jobsInFlight = new Set<string>();
  private readonly detachDefault: boolean | undefined;
  private readonly rt: HostRuntime;
  private readonly trust?: (target: string, keys: readonly string[]) => Promise<void>;
  private readonly signal?: AbortSignal;
  private readonly interrupt?: HostInit<V>['interrupt'];
  private readonly budgetMs?: number;

  constructor(init: HostInit<V>) {
    this.trust = init.trustHostKeys;
    this.signal = init.signal;
    this.interrupt = init.interrupt;
    this.budgetMs = init.reattachBudgetMs;
    this.detachDefault = init.detach;
    this.name = init.name;
    this.vars = init.vars;
    this.groups = init.groups;
    this.check = init.check;
    this.openTransport = init.transport;
    const secrets = init.secrets ?? new SecretSet();
    const interrupt = init.interrupt;
    this.rt = {
      events: redacting(init.events, secrets),
      secrets,
      handlers: new Map(),
      // Asked per wait (retry delays): a host's cleanup after its Interrupted waits again.
      get signal() {
        return interrupt?.waitSignal(init.name) ?? init.signal;
      },
      afterModule: () => interrupt?.afterModule?.(init.name),
    };
    Object.defineProperty(this, RUNTIME, { value: this.rt, enumerable: false });
  }

  /** Opens the connection (once); a failure rejects with UnreachableError. */
  connect(): Promise<Transport> {
    this.transportP ??= this.openTransport();
    return this.transportP;
  }

  async reconnect(options: { timeoutMs?: number; delayMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const delayMs = options.delayMs ?? 1000;
    // From the call on: closing the old connection (slow over a cut link) counts too.
    const deadline = Date.now() + timeoutMs;
    const old = this.transportP;
    this.transportP = undefined;
    if (old)
      await old
        .then(
          (t) => t.close(),
          () => undefined,
        )
        .catch(() => undefined);
    for (let attempt = 1; ; attempt++) {
      if (this.signal?.aborted) throw new Interrupted('interrupted');
      try {
        // An attempt never outlasts the budget: its connect and shell-start timeouts are cut to what is left.
        this.transportP = this.openTransport({ timeoutMs: Math.max(1, deadline - Date.now()) });
        await this.transportP;
        // A new shell: its functions must be defined again, which the new session does by itself.
        return;
      } catch (err) {
        this.transportP = undefined;
        if (!(err instanceof UnreachableError) || err instanceof HostKeyError || Date.now() + delayMs > deadline) {
          if (err instanceof UnreachableError && !(err instanceof HostKeyError)) {
            throw new UnreachableError(
              this.name,
              `did not come back within ${Math.round(timeoutMs / 1000)} s (${attempt} attempts): ${err.message}`,
              { cause: err },
            );
          }
          throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  async close(): Promise<void> {
    if (!this.transportP) return;
    try {
      await (await this.transportP).close();
    } catch {
      // a host that never connected has nothing to close
    }
  }

  async exec(cmd: ShellCommand, options: ExecOptions = {}): Promise<ExecResult> {
    if (!(cmd instanceof ShellCommand)) throw new TypeError('host.exec takes a command built with sh`...`');
    if (this.check && !options.readOnly) {
      throw new CheckModeViolation(
        `${currentModuleOn(this.name) ?? 'a module'} tried to run a changing command in --check mode: ${cmd.display}`,
      );
    }
    // Ctrl-C: the module's name, not its probe script, says what did not run (one line, in every output).
    const what = (): string => {
      const m = currentModuleOn(this.name);
      if (m) return m;
      const first = cmd.display.split('\n', 1)[0];
      return `${first.length > 80 ? first.slice(0, 77) + '...' : first}${cmd.display.includes('\n') ? ' ...' : ''}`;
    };
    if (this.interrupt) this.interrupt.beforeCommand(this.name, what());
    else if (this.signal?.aborted) throw new Interrupted(`interrupted before: ${what()}`);
    // Registered before it runs: output echoing one of them is masked in every event from now on.
    const secrets = this.rt.secrets;
    secrets.add(...cmd.secrets);
    if (isSecret(options.stdin)) secrets.add(options.stdin);
    const transport = await this.connect();
    const stdin =
      options.stdin === undefined
        ? undefined
        : isStreamedStdin(options.stdin)
          ? options.stdin
          : isSecret(options.stdin)
            ? Buffer.from(options.stdin.reveal(), 'utf8')
            : typeof options.stdin === 'string'
              ? Buffer.from(options.stdin, 'utf8')
              : // a view, not a copy: file content may be big
                Buffer.from(options.stdin.buffer, options.stdin.byteOffset, options.stdin.byteLength);
    // One unfinished line per stream: stdout and stderr both come live, a line never mixes the two.
    const partial = { stdout: '', stderr: '' };
    const module = currentModuleOn(this.name) ?? '';
    const ticker = new ProgressTicker((p) => this.rt.events.emit({ kind: 'progress', host: this.name, module, ...p }));
    const parse = typeof options.progress === 'function' ? options.progress : undefined;
    const cursor = new OutputCursor(
      options.progress
        ? (chunk: Buffer, stream: 'stdout' | 'stderr') => {
            const lines = (partial[stream] + chunk.toString('utf8')).split('\n');
            partial[stream] = lines.pop() ?? '';
            for (const l of lines) {
              if (!l.trim()) continue;
              this.logAs(module, l);
              const step = parse?.(l);
              if (step) ticker.setStep(step);
            }
          }
        : undefined,
    );
    // A changing command runs as a job (see ExecOptions.detach); streamed input ties a command to the channel.
    const detach =
      !options.readOnly && (options.detach ?? this.detachByDefault(module)) && !(stdin && isStreamedStdin(stdin));
    let raw: RawResult;
    // The same command twice at once on this host (Promise.all) is two jobs: the second gets an occurrence.
    let key = '';
    for (let occurrence = 0; detach && (!key || this.jobsInFlight.has(key)); occurrence++) {
      const text = occurrence ? `${cmd.text}\0#${occurrence}` : cmd.text;
      key = jobKey(this.name, module, text, stdin as Buffer | undefined);
    }
    if (detach) this.jobsInFlight.add(key);
    try {
      raw = detach
        ? await runJob(
            {
              name: this.name,
              // Asked per command: a host's cleanup after its Interrupted waits again (core/engine/interrupt.ts).
              signal: this.interrupt?.waitSignal(this.name) ?? this.signal,
              graceMs: this.interrupt?.graceMs,
              stopNow: this.interrupt?.now,
              leftRunning: (line) => this.interrupt?.leftRunning?.(this.name, `${module || 'exec'}: ${line}`),
              connect: () => this.connect(),
              reconnect: (o) => this.reconnect(o),
              forget: () => void (this.transportP = undefined),
              log: (line) => this.logAs(module, line),
            },
            transport,
            {
              text: cmd.text,
              display: cmd.display,
              stdin: stdin as Buffer | undefined,
              functions: cmd.functions,
              key,
              run: this.runId,
              budgetMs: this.reattachBudget(),
              cursor,
              ticker,
            },
          )
        : await transport.run(cmd.text, { stdin, onOutput: cursor.attempt(), functions: cmd.functions });
    } catch (err) {
      // Stopped waiting on Ctrl-C: that is this host's Interrupted; its cleanups may run commands now.
      if (err instanceof Interrupted) this.interrupt?.delivered(this.name);
      throw err;
    } finally {
      ticker.stop();
      this.jobsInFlight.delete(key);
    }
    // The command in flight when Ctrl-C came has finished: the host's code now unwinds from here.
    this.interrupt?.afterCommand(this.name, what());
    const result: ExecResult = {
      code: raw.code,
      stdout: raw.stdout.toString('utf8'),
      stderr: raw.stderr.toString('utf8'),
      stdoutBytes: raw.stdout,
      command: cmd.display,
    };
    const ok = options.allowFail || (options.okCodes ?? [0]).includes(raw.code);
    if (!ok) {
      // Masked in the error itself too: a playbook may catch it and print it.
      throw new CommandError(
        this.name,
        cmd.display,
        raw.code,
        secrets.redact(result.stdout),
        secrets.redact(result.stderr),
      );
    }
    return result;
  }

  /**
   * drover_detach (a host var, true/false) wins over --detach/--no-detach; without either, a module's apply
   * (`module`: the call running, '' outside any) runs its changes as jobs and a raw exec in a playbook body
   * stays in the session: a half-done apply is worse than a finished one, while a bare exec keeps the
   * channel's old guarantee (a command that kills its shell fails its host at once).
   */
  private detachByDefault(module: string): boolean {
    const v = (this.vars as Record<string, unknown> | undefined)?.drover_detach;
    if (v !== undefined && v !== null) {
      // An INI inventory gives `drover_detach=false` as text: Ansible's boolean words count, anything else is refused.
      const b = parseBool(v);
      if (b === undefined)
        throw new Error(`${this.name}: drover_detach: ${JSON.stringify(v)} is not a boolean (say true or false)`);
      return b;
    }
    return this.detachDefault ?? module !== '';
  }

  /** The host var wins over the run's --reattach-budget (as connection vars win over flags). */
  private reattachBudget(): number {
    const v = (this.vars as Record<string, unknown> | undefined)?.[REATTACH_BUDGET_VAR];
    return v === undefined
      ? (this.budgetMs ?? DEFAULT_REATTACH_BUDGET_MS)
      : parseDuration(v, `${this.name}: ${REATTACH_BUDGET_VAR}`);
  }

  log(line: string): void {
    this.logAs(currentModuleOn(this.name) ?? '', line);
  }

  /**
   * A progress line of `module`, named when its command started: output arrives from the connection's
   * stream, whose callbacks run in the async context the connection was opened in, not the command's.
   */
  private logAs(module: string, line: string): void {
    this.rt.events.emit({ kind: 'module-progress', host: this.name, module, line });
  }

  notify(key: string, handler: () => Promise<unknown>): void {
    if (!this.rt.handlers.has(key)) this.rt.handlers.set(key, handler);
  }

  memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let p = this.memos.get(key) as Promise<T> | undefined;
    if (!p) {
      p = compute();
      this.memos.set(key, p);
      p.catch(() => this.memos.delete(key));
    }
    return p;
  }

  async trustHostKeys(target: string, keys: readonly string[]): Promise<void> {
    if (!this.trust)
      throw new Error(`${this.name}: this run cannot update known host keys (no known_hosts file in use)`);
    await this.trust(target, keys);
  }

  /** A host that failed does not run its handlers (as in Ansible without force_handlers). */
  dropHandlers(): void {
    this.rt.handlers.clear();
  }

  /** Runs and clears the handlers notified during a phase, in the order they were first notified. */
  async flushHandlers(): Promise<void> {
    const pending = [...this.rt.handlers.values()];
    this.rt.handlers.clear();
    for (const h of pending) await h();
  }
}
