// Error types that carry what a user needs to act: host, command, exit code, stderr tail, playbook line.
import type { FailedModule } from './events.ts';

/** Last `n` lines of a text, for error messages. */
export function tail(text: string, n = 10): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-n).join('\n');
}

/** Bad CLI usage, bad playbook, bad inventory: exit 1 before any host is touched. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A remote command exited with a code the caller did not accept. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly host: string,
    readonly command: string,
    readonly code: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    const err = tail(stderr);
    const out = err ? '' : tail(stdout, 5);
    super(
      // No host here: a module's ModuleError, or the host-failed event, names it once.
      `Command failed with exit code ${code}: ${command.length > 300 ? command.slice(0, 300) + '…' : command}` +
        (err ? `\n${err}` : '') +
        (out ? `\n${out}` : ''),
    );
  }
}

/** The host cannot be reached or its connection dropped: the host is "unreachable" (exit 4). */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
  constructor(
    readonly host: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The host offered a key known_hosts does not vouch for. Always fatal for that host. */
export class HostKeyError extends UnreachableError {
  override name = 'HostKeyError';
}

/** A module tried to run a changing command in --check mode: a bug in that module, never silently allowed. */
export class CheckModeViolation extends Error {
  override name = 'CheckModeViolation';
}

/** A module failed: names the module, the host and the playbook line that called it. */
export class ModuleError extends Error {
  override name = 'ModuleError';
  constructor(
    readonly host: string,
    readonly module: string,
    readonly callsite: string | undefined,
    readonly cause: unknown,
  ) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super(`${module} failed on ${host}${callsite ? ` (${callsite})` : ''}: ${inner}`);
  }
}

/** Ctrl-C: no new work starts. */
export class Interrupted extends Error {
  override name = 'Interrupted';
}

/**
 * Masks `err`'s message and stack, and its causes', in place (`redact`: the run's SecretSet): a playbook
 * may catch the error and print it with console.error, which no RedactingSink sees.
 */
export function redactError(err: unknown, redact: (text: string) => string): void {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 20; e = e.cause, depth++) {
    e.message = redact(e.message);
    if (e.stack) e.stack = redact(e.stack);
  }
}

/** A Symbol.for key: a second copy of drover in the process (see core/host.ts RUNTIME) reads the same mark. */
const REPORTED = Symbol.for('drover.reported-module-failure');

/** Marks `err` as the error a failed `module-end` reported, so the recap counts it once where it escapes. */
export function markReported(err: Error, failure: FailedModule): void {
  Object.defineProperty(err, REPORTED, { value: failure, configurable: true, enumerable: false });
}

/**
 * The failed module call `err` is (or wraps, through `cause`: `throw new Error('deploy', { cause: e })`
 * is the same failure escaping), or undefined for an error no module-end reported.
 */
export function reportedFailure(err: unknown): FailedModule | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 20; e = e.cause, depth++) {
    const mark = (e as { [REPORTED]?: FailedModule })[REPORTED];
    if (mark) return mark;
  }
  return undefined;
}

/** The error under any ModuleError wrappers: tells an unreachable host from a failed command. */
export function rootCause(err: unknown): unknown {
  let e = err;
  while (e instanceof ModuleError) e = e.cause;
  return e;
}
