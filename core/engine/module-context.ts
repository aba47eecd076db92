// Which module call is running, per async context: the one answer to "what is this host doing" (nesting, events, errors).
import { AsyncLocalStorage } from 'node:async_hooks';

/** The top-level module call an async context belongs to: its host and module name. */
export interface ModuleCall {
  host: string;
  module: string;
}

// One store, async-context based: module calls a playbook starts concurrently on one host
// (Promise.all in a host's body) each see their own call, which a per-host field could not give.
const calls = new AsyncLocalStorage<ModuleCall>();

/** Runs `fn` as module call `call`: everything it awaits sees `call` as the current one. */
export function runAsModule<T>(call: ModuleCall, fn: () => Promise<T>): Promise<T> {
  return calls.run(call, fn);
}

/** The module call running in this async context, if any. */
export function currentCall(): ModuleCall | undefined {
  return calls.getStore();
}

/** The module running on `host` in this async context (a call on another host from inside it does not count). */
export function currentModuleOn(host: string): string | undefined {
  const c = calls.getStore();
  return c?.host === host ? c.module : undefined;
}
