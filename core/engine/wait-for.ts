// waitFor(host, ...): wait until a TCP port listens on the host, a file exists there, or a read-only command succeeds — retried with events, cut short by Ctrl-C, read-only (also runs in --check).
import type { Host } from '../host.ts';
import { retry } from '../retry.ts';
import { sh, type ShellCommand } from '../sh.ts';

/** What to wait for on the host. */
export type WaitTarget =
  /** A TCP port in LISTEN state on the host (any address), read from /proc/net/tcp and tcp6 (Linux). */
  | { port: number }
  /** A path that exists on the host. */
  | { file: string }
  /** A read-only command that exits 0 (built with sh`...`). */
  | { command: ShellCommand };

export interface WaitOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** Between checks (default 1 s). */
  delayMs?: number;
}

/** The read-only check for `target`, and how it is named in events and errors. */
export function waitCheck(target: WaitTarget): { check: ShellCommand; what: string } {
  if ('port' in target) {
    if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535)
      throw new TypeError(`waitFor: port ${JSON.stringify(target.port)} is not a TCP port (1-65535)`);
    // /proc/net/tcp: local address "0100007F:1F90", state 0A = LISTEN; the port in 4 hex digits.
    const hex = target.port.toString(16).toUpperCase().padStart(4, '0');
    return {
      check: sh`cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p=${`:${hex}`} '$4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }'`,
      what: `port ${target.port} listening`,
    };
  }
  if ('file' in target) {
    if (typeof target.file !== 'string' || !target.file) throw new TypeError('waitFor: file must be a non-empty path');
    return { check: sh`test -e ${target.file}`, what: `${target.file} to exist` };
  }
  if ('command' in target) return { check: target.command, what: `${target.command.display} to succeed` };
  throw new TypeError('waitFor: give { port }, { file } or { command }');
}

/**
 * Waits until `target` holds on `host` (checked every delayMs until timeoutMs). Each check is an
 * attempt event on the host (progress view, --json); the last failure says what was waited for and
 * for how long. Read-only: it runs in --check too.
 */
export async function waitFor(host: Host<unknown>, target: WaitTarget, options: WaitOptions = {}): Promise<void> {
  const { check, what } = waitCheck(target);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const delayMs = options.delayMs ?? 1000;
  const attempts = Math.max(1, Math.floor(timeoutMs / Math.max(1, delayMs)) + 1);
  await retry(async () => (await host.exec(check, { readOnly: true, allowFail: true })).code, {
    attempts,
    delay: delayMs,
    until: (code) => code === 0 || `not yet (exit ${code})`,
    host,
    what: `wait for ${what} (up to ${Math.round(timeoutMs / 1000)} s)`,
  });
}
