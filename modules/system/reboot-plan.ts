// reboot's decisions (pure): whether to reboot, the report, and reading a returning host's state as "booted" or "still waiting".
import type { Result } from '../../core/module.ts';
import { REBOOT_FAILED, type BootState, type RebootFacts } from './reboot-facts.ts';

export interface RebootParams {
  /** Why, shown in the message: 'kernel 6.6.30'. One line. */
  reason?: string;
  /**
   * Reboot only when this file exists (an absolute path). Debian's packages create /run/reboot-required
   * when they need one; a playbook can create its own marker after installing a kernel. A marker under
   * /run vanishes with the reboot, so the next run does nothing.
   */
  onlyIfExists?: string;
  /**
   * How long the host may take to come back and finish booting, from the reboot command on
   * (milliseconds, 1000 to 3600000; default 600000 = 10 min: a real server's firmware alone can take minutes).
   */
  timeoutMs?: number;
}

export interface RebootResult extends Result {
  /** Boot id before the call. */
  bootId: string;
  /** Seconds the host had been up before the call. */
  uptime: number;
  /** Boot id after the reboot (a real run that rebooted). */
  bootIdAfter?: string;
  /** Seconds from the reboot command to the host booted again (a real run that rebooted). */
  seconds?: number;
}

export const DEFAULT_TIMEOUT_MS = 600_000;
export const MIN_TIMEOUT_MS = 1000;
export const MAX_TIMEOUT_MS = 3_600_000;

export function validateReboot(p: RebootParams): void {
  if (p.reason !== undefined && (typeof p.reason !== 'string' || /[\n\r]/.test(p.reason) || p.reason.length > 200))
    throw new Error(`reason must be one line of at most 200 characters, got ${JSON.stringify(p.reason)}`);
  if (
    p.onlyIfExists !== undefined &&
    (typeof p.onlyIfExists !== 'string' || !p.onlyIfExists.startsWith('/') || /[\n\0]/.test(p.onlyIfExists))
  )
    throw new Error(`onlyIfExists must be an absolute path, got ${JSON.stringify(p.onlyIfExists)}`);
  const t = p.timeoutMs;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < MIN_TIMEOUT_MS || t > MAX_TIMEOUT_MS))
    throw new Error(
      `timeoutMs must be a whole number of milliseconds from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS}, got ${JSON.stringify(t)}`,
    );
}

/** The words after "would reboot" / "rebooted in N s". */
function why(p: RebootParams): string {
  if (p.reason) return ` (${p.reason})`;
  if (p.onlyIfExists) return ` (${p.onlyIfExists} exists)`;
  return '';
}

/** The report before anything happens: a reboot always changes the host, unless its marker file is absent. */
export function planReboot(p: RebootParams, f: RebootFacts): RebootResult {
  const base = { bootId: f.bootId, uptime: f.uptime };
  if (p.onlyIfExists !== undefined && !f.marker)
    return { ...base, changed: false, message: `no reboot needed: ${p.onlyIfExists} does not exist` };
  return { ...base, changed: true, message: `would reboot${why(p)}` };
}

/** The report after the host came back. */
export function rebootedResult(p: RebootParams, bootIdAfter: string, ms: number): Partial<RebootResult> {
  const seconds = Math.round(ms / 100) / 10;
  return { bootIdAfter, seconds, message: `rebooted in ${seconds.toFixed(1)} s${why(p)}` };
}

/** How far a returning host got: booted, or what it is still waiting for (a progress line). */
export type BootProgress = { done: true } | { done: false; sameBoot: boolean; waiting: string };

/**
 * Reads one look at the host after the reboot command. Throws when the reboot command itself failed (no
 * reboot command worked: waiting is pointless). OpenRC has booted when it reached the default runlevel with
 * no runlevel change in progress; systemd when `is-system-running` says running or degraded; any other init
 * when sshd answers in a new boot.
 */
export function bootProgress(before: string, s: BootState): BootProgress {
  if (s.bootId === before) {
    if (s.log.includes(REBOOT_FAILED)) {
      const said = s.log.replace(REBOOT_FAILED, '').trim().split('\n').filter(Boolean).slice(-4).join('; ');
      throw new Error(
        `the host did not reboot: no reboot command worked (reboot, openrc-shutdown -r now, shutdown -r now)${said ? `: ${said}` : ''}`,
      );
    }
    return { done: false, sameBoot: true, waiting: 'waiting for the host to go down' };
  }
  if (s.init === 'openrc') {
    if (s.runlevel === 'default' && !s.busy.length) return { done: true };
    return {
      done: false,
      sameBoot: false,
      waiting: `booting: OpenRC runlevel ${s.runlevel || '(none yet)'}${s.busy.length ? ` (${s.busy.join(', ')})` : ''}`,
    };
  }
  if (s.init === 'systemd') {
    if (s.systemd === 'running' || s.systemd === 'degraded') return { done: true };
    return { done: false, sameBoot: false, waiting: `booting: systemd is ${s.systemd || '(not answering yet)'}` };
  }
  return { done: true };
}
