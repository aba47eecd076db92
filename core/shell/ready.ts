// How a starting shell says it is ready (the launcher's token) and how sudo's password prompt is answered.
import type { Secret } from '../secret.ts';

/** How the shell announces it is ready (see become.ts: the launcher prints `token` on stdout and stderr). */
export interface ReadyOptions {
  token: string;
  /** sudo's prompt (`sudo -S -p <prompt>`): seen on stderr means sudo wants the password. */
  sudoPrompt?: string;
  password?: Secret;
  /** Give up when the shell is not ready within this time. */
  timeoutMs: number;
}

/**
 * What to do about sudo's prompts in the stderr seen so far: nothing (no new prompt), write the password
 * (the first prompt), or fail (no password given; a second prompt means the password was rejected).
 */
export function sudoStep(
  startErr: string,
  opts: ReadyOptions,
  seen: number,
): { prompts: number; write?: string; fail?: string } {
  const prompts = startErr.split(opts.sudoPrompt!).length - 1;
  if (prompts === seen) return { prompts };
  if (!opts.password) return { prompts, fail: 'sudo asks for a password but no become password was given' };
  if (prompts > 1) return { prompts, fail: 'sudo rejected the become password' };
  return { prompts, write: opts.password.reveal() + '\n' };
}
