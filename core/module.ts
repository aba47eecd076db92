// defineModule: the one way to write a module, adding title, events, timing, nesting and error context.
import { AsyncLocalStorage } from 'node:async_hooks';
import { callerLocation } from './callsite.ts';
import { Interrupted, ModuleError, rootCause, UnreachableError } from './errors.ts';
import type { FileChange } from './events.ts';
import { runtimeOf, type Host } from './host.ts';

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

export interface ModuleSpec<P, R extends Result> {
  /** Short name shown in output: "sysfile", "emerge". */
  name: string;
  /** Title of one call, from its params: "sysfile /etc/hosts". Must not reveal secrets (Secret renders ***). */
  title: (params: P) => string;
  /** Probes (one round trip when nothing changes) and, unless host.check, applies. */
  run: (host: Host<unknown>, params: P) => Promise<R>;
}

export type ModuleFn<P, R extends Result> = (<V>(host: Host<V>, params: P) => Promise<R>) & { readonly moduleName: string };

const nesting = new AsyncLocalStorage<{ host: string; module: string }>();

/**
 * Wraps a module's run function. Top-level calls emit module-start/module-end events with timing,
 * status and diffs; calls made from inside another module (hostname using sysfile) run silently and
 * the outer module reports them. Any error is rethrown as a ModuleError naming host, module and the
 * playbook line that made the call.
 */
export function defineModule<P, R extends Result>(spec: ModuleSpec<P, R>): ModuleFn<P, R> {
  const fn = async <V>(host: Host<V>, params: P): Promise<R> => {
    const callsite = callerLocation(new Error().stack);
    const rt = runtimeOf(host as Host<unknown>);
    const outer = nesting.getStore();
    const nested = outer !== undefined && outer.host === host.name;
    let title: string;
    try {
      title = spec.title(params);
    } catch {
      title = spec.name;
    }
    if (nested || !rt) {
      return spec.run(host as Host<unknown>, params);
    }
    const started = performance.now();
    rt.events.emit({ kind: 'module-start', host: host.name, module: spec.name, title, callsite });
    const previous = rt.currentModule;
    rt.currentModule = spec.name;
    try {
      const result = await nesting.run({ host: host.name, module: spec.name }, () => spec.run(host as Host<unknown>, params));
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
      return result;
    } catch (err) {
      const wrapped = err instanceof ModuleError ? err : new ModuleError(host.name, spec.name, callsite, err);
      // Masked in the error itself too (and its causes): the playbook may catch and print it.
      for (let e: unknown = wrapped, depth = 0; e instanceof Error && depth < 20; e = e.cause, depth++) {
        e.message = rt.secrets.redact(e.message);
        if (e.stack) e.stack = rt.secrets.redact(e.stack);
      }
      const cause = rootCause(wrapped);
      rt.events.emit({
        kind: 'module-end',
        host: host.name,
        module: spec.name,
        title,
        status: cause instanceof UnreachableError ? 'unreachable' : cause instanceof Interrupted ? 'interrupted' : 'failed',
        ms: performance.now() - started,
        callsite,
        message: wrapped.message,
      });
      throw wrapped;
    } finally {
      rt.currentModule = previous;
    }
  };
  return Object.assign(fn, { moduleName: spec.name });
}

/** True when any of the results changed: `if (changed(a, b)) host.notify(...)`. */
export function changed(...results: readonly (Result | undefined)[]): boolean {
  return results.some((r) => r?.changed === true);
}
