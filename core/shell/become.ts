// The command that starts a host's long-lived shell: plain `sh`, `sudo -n sh`, or `sudo -S sh` with a password.
import { randomBytes } from 'node:crypto';
import { sh, type ShellCommand } from '../sh.ts';

export interface Launcher {
  /** Run by the login shell (over SSH) or by `sh -c` (locally). */
  command: ShellCommand;
  /** Printed once on stdout and once on stderr when the shell is ready: everything before it is noise. */
  token: string;
  /** sudo's password prompt, when a password may be asked (it appears on stderr). */
  sudoPrompt?: string;
}

/**
 * Why a token: a login shell may print anything first (a noisy ~/.bashrc, sudo's lecture), and sudo must
 * get the password before any command is written, or it would read our commands as password attempts.
 */
export function shellLauncher(become: false | 'nopasswd' | 'password'): Launcher {
  const token = `drover-ready-${randomBytes(12).toString('hex')}`;
  const inner = `echo ${token}; echo ${token} >&2; exec sh`;
  if (become === false) return { command: sh`exec sh -c ${inner}`, token };
  if (become === 'nopasswd') return { command: sh`exec sudo -n -- sh -c ${inner}`, token };
  // A unique prompt (no % escapes) lets us tell "sudo wants the password" from any other stderr text.
  const sudoPrompt = `drover-sudo-password-${randomBytes(8).toString('hex')}:`;
  return { command: sh`exec sudo -S -p ${sudoPrompt} -- sh -c ${inner}`, token, sudoPrompt };
}
