// defineModule: the one module contract (facts → pure plan → apply, check mode owned here), with title, events, timing, nesting and error context.
import { callerLocation } from './engine/callsite.ts';
import { currentCall, runAsModule } from './engine/module-context.ts';
import { Interrupted, markReported, ModuleError, redactError, rootCause, UnreachableError } from './errors.ts';
import type { FileChange } from './events.ts';
import { registerSecrets, runtimeOf, shareRuntime, type ExecOptions, type ExecResult, type Host } from './host.ts';
import type { Secret, SecretText } from './secret.ts';
import { ProbeFrame, type ProbeSections } from './probe-frame.ts';
import type { ShellCommand } from './sh.ts';

/** What every module call returns. Modules extend it with their own typed facts. */
export interface Result {
  /** The host was (or in --check would be) changed. */
  changed: boolean;
  /** Set when the module did nothing on purpose: the reason, shown as "skipped: <reason>". */
  skipped?: string;
  /** Files changed or that would change, for --diff. */
  changes?: FileChange[];
  /** One line saying what changed ("installed app-emulation/ganeti-3.0.2"). */
  message?: string;
  /** Multi-line detail shown with --diff (an emerge plan). */
  detail?: string;
}

/** What a module's pure plan sees of the host: its name and vars (sysfile content may be a function of them). */
export interface HostInfo {
  readonly name: string;
  readonly vars: unknown;
}

/** The read-only view of a host a module's facts step gets: every command it runs is read-only. */
export interface HostReader extends HostInfo {
  exec(cmd: ShellCommand, options?: Omit<ExecOptions, 'readOnly'>): Promise<ExecResult>;
  /** Progress line for the host's line in the progress view. */
  log(line: string): void;
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

/** Changes a module makes when its plan says so, never in --check (the wrapper decides). */
// biome-ignore lint/suspicious/noConfusingVoidType: an apply may return nothing (`async (h) => { await ... }`), which is Promise<void>, not Promise<undefined>
export type Apply<R extends Result> = (host: Host<unknown>) => Promise<Partial<R> | void>;

/** A module's decision: what it reports, and how to make the change. */
export interface Plan<R extends Result> {
  /** The report. In --check it is returned as is: what would change, with the diffs and the message. */
  result: R;
  /**
   * How to change the host when `result.changed` (required then): one command, run in one round trip
   * (with `applyOptions`: stdin payload, progress, okCodes), or a function for a change that needs
   * several steps. What the function returns is merged into the result.
   */
  apply?: ShellCommand | Apply<R>;
  applyOptions?: Omit<ExecOptions, 'readOnly'>;
}

/**
 * One module: facts (read-only; one round trip through `probe(...)`) → plan (pure) → apply.
 * The wrapper runs it: in --check it returns the plan's result and never applies; otherwise it applies
 * and reports. A module never looks at check mode itself.
 */
export interface ModuleSpec<P, F, R extends Result> {
  /** Short name shown in output: "sysfile", "emerge". */
  name: string;
  /** Title of one call, from its params: "sysfile /etc/hosts". Must not reveal secrets (Secret renders ***). */
  title: (params: P) => string;
  /** Pure check of the params before the host is touched: throw an Error saying which param is wrong and why. */
  validate?: (params: P) => void;
  /**
   * The Secrets the params hold (file content a module writes). The wrapper adds them to the run's
   * secrets before the facts step, so any output quoting them is masked from then on — in --check and
   * when nothing changes too. (Secrets interpolated in sh`` are registered by exec itself.)
   */
  secrets?: (params: P) => Iterable<Secret | SecretText>;
  /** Reads the host's state. Every command it runs is read-only (and so also runs in --check). */
  facts: (host: HostReader, params: P) => Promise<F>;
  /** Pure: params + facts → what would change. Nothing to change = `result.changed: false` and no apply. */
  plan: (params: P, facts: F, host: HostInfo) => Plan<R>;
}

/** A facts step made by `probe`: it keeps its parts, so a fixture test can feed a recorded answer to `parse`. */
export interface ProbeFacts<P, F> {
  (host: HostReader, params: P): Promise<F>;
  readonly build: (params: P, frame: ProbeFrame) => ShellCommand;
  readonly parse: (sections: ProbeSections, params: P) => F;
  readonly sections?: (params: P) => readonly string[];
}

/**
 * The usual facts step: one read-only command printing sections of a fresh ProbeFrame, parsed strictly
 * (`sections`: the names the answer must hold; a name ending in `?` may be absent).
 */
export function probe<P, F>(
  build: (params: P, frame: ProbeFrame) => ShellCommand,
  parse: (sections: ProbeSections, params: P) => F,
  sections?: (params: P) => readonly string[],
): ProbeFacts<P, F> {
  const facts = async (host: HostReader, params: P): Promise<F> => {
    const frame = new ProbeFrame();
    const r = await host.exec(build(params, frame));
    return parse(frame.parse(r.stdoutBytes, sections?.(params)), params);
  };
  return Object.assign(facts, { build, parse, sections });
}

export type ModuleFn<P, R extends Result> = (<V>(host: Host<V>, params: P) => Promise<R>) & {
  readonly moduleName: string;
  /** The contract behind the function (for fixture tests: plan a recorded probe answer without a host). */
  // biome-ignore lint/suspicious/noExplicitAny: the facts type is the module's own; callers of a ModuleFn never see it
  readonly spec: ModuleSpec<P, any, R>;
};

/**
 * Makes a module from its contract (see ModuleSpec). Top-level calls emit module-start/module-end events with timing,
 * status and diffs; calls made from inside another module (hostname using sysfile) run silently and
 * the outer module reports them. Any error is rethrown as a ModuleError naming host, module and the
 * playbook line that made the call.
 */
export function defineModule<P, F, R extends Result>(spec: ModuleSpec<P, F, R>): ModuleFn<P, R> {
  const run = (host: Host<unknown>, params: P) => runContract(spec, host, params);
  const fn = async <V>(host: Host<V>, params: P): Promise<R> => {
    const callsite = callerLocation(new Error().stack);
    const rt = runtimeOf(host as Host<unknown>);
    const outer = currentCall();
    const nested = outer !== undefined && outer.host === host.name;
    let title: string;
    try {
      title = spec.title(params);
    } catch {
      title = spec.name;
    }
    if (nested || !rt) {
      return run(host as Host<unknown>, params);
    }
    const started = performance.now();
    rt.events.emit({ kind: 'module-start', host: host.name, module: spec.name, title, callsite });
    let done: R;
    try {
      const result = await runAsModule({ host: host.name, module: spec.name }, () =>
        run(host as Host<unknown>, params),
      );
      const status = result.skipped !== undefined ? 'skipped' : result.changed ? 'changed' : 'ok';
      rt.events.emit({
        kind: 'module-end',
        host: host.name,
        module: spec.name,
        title,
        status,
        ms: performance.now() - started,
        callsite,
        // No redaction here: rt.events masks secrets in every event (see RedactingSink).
        message: result.skipped !== undefined ? `skipped: ${result.skipped}` : result.message,
        changes: result.changes?.map((c) => ({ path: c.path, before: c.before, after: c.after })),
        detail: result.detail,
      });
      done = result;
    } catch (err) {
      const wrapped = err instanceof ModuleError ? err : new ModuleError(host.name, spec.name, callsite, err);
      // Masked in the error itself too (and its causes): the playbook may catch and print it.
      redactError(wrapped, (text) => rt.secrets.redact(text));
      const cause = rootCause(wrapped);
      const status =
        cause instanceof UnreachableError ? 'unreachable' : cause instanceof Interrupted ? 'interrupted' : 'failed';
      // Failed now; whether it fails the host is known only if it escapes the host's body (the recap
      // counts it there, or as rescued when the playbook caught it): the mark ties the two together.
      if (status === 'failed') markReported(wrapped, { host: host.name, module: spec.name });
      rt.events.emit({
        kind: 'module-end',
        host: host.name,
        module: spec.name,
        title,
        status,
        ms: performance.now() - started,
        callsite,
        message: wrapped.message,
      });
      throw wrapped;
    }
    // The call completed and counts; Ctrl-C may have made this host's Interrupted due meanwhile (its finally
    // cleanups then run): it is thrown here, after the module-end, never as this call's failure.
    rt.afterModule?.();
    return done;
  };
  return Object.assign(fn, { moduleName: spec.name, spec });
}

/** facts → plan → (unless --check) apply. */
async function runContract<P, F, R extends Result>(
  spec: ModuleSpec<P, F, R>,
  host: Host<unknown>,
  params: P,
): Promise<R> {
  spec.validate?.(params);
  if (spec.secrets) registerSecrets(host, spec.secrets(params));
  const facts = await spec.facts(readOnlyHost(host), params);
  const plan = spec.plan(params, facts, { name: host.name, vars: host.vars });
  const result = plan.result;
  if (!result.changed || host.check) return result;
  if (!plan.apply)
    throw new Error(`module ${spec.name}: its plan reports a change but has nothing to apply (a bug in the module)`);
  if (typeof plan.apply === 'function') {
    const more = await plan.apply(host);
    return more ? { ...result, ...more } : result;
  }
  await host.exec(plan.apply, plan.applyOptions);
  return result;
}

/** The host as a module's facts step sees it: commands are read-only, so they also run in --check (also for an apply step that re-reads facts). */
export function readOnlyHost(host: Host<unknown>): HostReader {
  return shareRuntime(host, {
    name: host.name,
    vars: host.vars,
    exec: (cmd, options) => host.exec(cmd, { ...options, readOnly: true }),
    log: (line) => host.log(line),
    memo: (key, compute) => host.memo(key, compute),
  } satisfies HostReader);
}

/** True when any of the results changed: `if (changed(a, b)) host.notify(...)`. */
export function changed(...results: readonly (Result | undefined)[]): boolean {
  return results.some((r) => r?.changed === true);
}
