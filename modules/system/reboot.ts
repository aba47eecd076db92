// reboot: reboots the host, waits until it is back (new boot id, sshd answering, init booted) and keeps the same host handle working.
import { setTimeout as sleep } from 'node:timers/promises';
import { HostKeyError, Interrupted, UnreachableError } from '../../core/errors.ts';
import { runtimeOf, type Host } from '../../core/host.ts';
import { defineModule } from '../../core/module.ts';
import { ProbeFrame } from '../../core/probe-frame.ts';
import {
  BOOT_SECTIONS,
  bootStateProbe,
  parseBootState,
  rebootCommand,
  rebootFacts,
  type RebootFacts,
} from './reboot-facts.ts';
import {
  bootProgress,
  DEFAULT_TIMEOUT_MS,
  planReboot,
  rebootedResult,
  validateReboot,
  type RebootParams,
  type RebootResult,
} from './reboot-plan.ts';

export type { RebootParams, RebootResult } from './reboot-plan.ts';

/** Pause between looks at a returning host (and between its reconnect attempts). */
const POLL_MS = 500;

/** An error that only says the connection dropped (or could not be opened): expected while a host reboots. */
function dropped(err: unknown): boolean {
  return err instanceof UnreachableError && !(err instanceof HostKeyError);
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throw new Interrupted('interrupted while waiting for the host to come back from its reboot');
  }
}

/** The budget ran out while a step was still waiting (a look over a link that went silent). */
class OutOfTime extends Error {}

/** `p`, or OutOfTime at `deadline`: a step never holds the wait past its budget (the step is left to its own timeouts). */
async function within<T>(p: Promise<T>, deadline: number): Promise<T> {
  p.catch(() => undefined); // abandoned at the deadline: its own failure is nobody's concern
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new OutOfTime()), Math.max(0, deadline - Date.now()))),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Issues the reboot, then reconnects the same host handle and looks at the host until it runs a new boot
 * whose init finished booting, all within `timeoutMs`. While the old boot still answers, each look is on a
 * new connection (the old one is about to drop); a connection lost on the way is opened again. A changed
 * host key is never accepted (HostKeyError, as anywhere). The budget bounds every step: reconnect cuts each
 * attempt's connect and shell-start timeouts to what is left, and a look that gets no answer is given up
 * at the deadline (a cut link answers nothing: only the keepalive would notice, after about 45 s).
 */
async function rebootAndWait(
  host: Host<unknown>,
  p: RebootParams,
  before: RebootFacts,
): Promise<Partial<RebootResult>> {
  const timeoutMs = p.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const s = Number((timeoutMs / 1000).toFixed(1)); // for messages: 600, 1.5
  const signal = runtimeOf(host)?.signal;
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  /** The last answer the host gave after the reboot command, in the user's words. */
  let seen: string | undefined;
  /** Why the host could not be reached last (the newest connection error). */
  let lastError: string | undefined;
  const notBack = (why: string, cause?: unknown) => {
    const last = seen ?? 'no answer since the reboot command';
    return new UnreachableError(
      host.name,
      `rebooted, but the host did not come back within ${s} s: ${why}; last seen: ${last}`,
      cause ? { cause } : undefined,
    );
  };
  try {
    // Not a job (issue 24): the link dropping here is the reboot itself, handled below, never re-attached.
    await within(host.exec(rebootCommand(), { detach: false }), deadline);
  } catch (err) {
    if (err instanceof OutOfTime) throw notBack('the reboot command got no answer');
    if (!dropped(err)) throw err; // else the connection went down with the reboot already
  }
  host.log('rebooting');
  let waiting = 'waiting for the host to go down';
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw notBack(lastError ?? waiting);
    try {
      await host.reconnect({ timeoutMs: left, delayMs: POLL_MS });
    } catch (err) {
      // reconnect's own words count from its own start; say it from the reboot command, with the last reason.
      const last =
        (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
      if (dropped(err)) throw notBack(last, err);
      throw err;
    }
    try {
      for (;;) {
        const frame = new ProbeFrame();
        const r = await within(host.exec(bootStateProbe(frame), { readOnly: true }), deadline);
        const state = parseBootState(frame.parse(r.stdoutBytes, BOOT_SECTIONS));
        const progress = bootProgress(before.bootId, state);
        if (progress.done) return rebootedResult(p, state.bootId, performance.now() - started);
        const at = ((performance.now() - started) / 1000).toFixed(1);
        seen = `${progress.sameBoot ? 'the old boot, not down yet' : progress.waiting} (${at} s after the reboot command)`;
        if (progress.waiting !== waiting) host.log(progress.waiting);
        waiting = progress.waiting;
        if (Date.now() + POLL_MS > deadline) {
          throw new Error(
            progress.sameBoot
              ? `the host did not reboot within ${s} s: its boot id is still ${before.bootId}`
              : `the host came back but did not finish booting within ${s} s: ${waiting}`,
          );
        }
        await pause(POLL_MS, signal);
        if (progress.sameBoot) break; // look again on a new connection
      }
    } catch (err) {
      if (err instanceof OutOfTime) throw notBack('the connection stopped answering');
      if (!dropped(err)) throw err;
      lastError = (err as Error).message;
      await pause(POLL_MS, signal); // dropped mid-look: the host is going down; not a tight reconnect loop
    }
  }
}

/**
 * Reboots the host and waits until it is back: a new boot id (/proc/sys/kernel/random/boot_id), sshd
 * answering, and its init done booting (OpenRC: the default runlevel reached, no runlevel change in
 * progress; systemd: running or degraded). The same host handle works afterwards (it reconnects). The
 * message says how long it took. `--check` reports "would reboot" and touches nothing.
 *
 * Always changes the host, unless `onlyIfExists` names a file that does not exist.
 *
 * @example
 * const k = await emerge(host, { atoms: ['sys-kernel/gentoo-kernel-bin'] })
 * if (k.changed) await reboot(host, { reason: 'new kernel' })
 */
export const reboot = defineModule<RebootParams, RebootFacts, RebootResult>({
  name: 'reboot',
  title: (p) => `reboot${p.reason ? ` (${p.reason})` : p.onlyIfExists ? ` if ${p.onlyIfExists}` : ''}`,
  validate: validateReboot,
  facts: rebootFacts,
  plan: (p, f) => {
    const result = planReboot(p, f);
    return result.changed ? { result, apply: (host) => rebootAndWait(host, p, f) } : { result };
  },
});
