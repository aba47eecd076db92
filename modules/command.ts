// command: run a shell command, guarded by creates/removes/unless so a rerun changes nothing.
import type { ExecResult } from '../core/host.ts';
import { defineModule, type Result } from '../core/module.ts';
import type { Secret } from '../core/secret.ts';
import { sh, type ShellCommand } from '../core/sh.ts';

export interface CommandParams {
  /** The command, built with sh`...` so every interpolation is quoted. */
  cmd: ShellCommand;
  /** Skip when this path exists (the command creates it). */
  creates?: string;
  /** Skip when this path does not exist (the command removes it). */
  removes?: string;
  /** Skip when this read-only check command exits 0 ("already done"). */
  unless?: ShellCommand;
  /**
   * The command only reads state, so it also runs in --check (and then reports changed: false).
   * Without it, --check skips the command and says it would run.
   */
  safeInCheck?: boolean;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
  /** Decide "changed" from the result (default: changed whenever the command ran, as Ansible). */
  changedWhen?: (result: ExecResult) => boolean;
  /** Stream the command's output lines to the progress view. */
  progress?: boolean;
  /** Text for the command's stdin; a Secret is sent as is and masked in all output (a password for `chpasswd`). */
  stdin?: string | Secret;
}

export interface CommandResult extends Result {
  /** Absent when the command did not run (guard or --check). */
  code?: number;
  stdout?: string;
  stderr?: string;
}

/** sh that exits 0 when a guard says the work is done, 1 otherwise: one read-only round trip. */
function guardScript(p: CommandParams): ShellCommand | undefined {
  const checks: ShellCommand[] = [];
  if (p.creates !== undefined) checks.push(sh`if test -e ${p.creates}; then echo creates; exit 0; fi`);
  if (p.removes !== undefined) checks.push(sh`if ! test -e ${p.removes}; then echo removes; exit 0; fi`);
  if (p.unless !== undefined) checks.push(sh`if ( ${p.unless} ) >/dev/null 2>&1 </dev/null; then echo unless; exit 0; fi`);
  if (checks.length === 0) return undefined;
  return sh`${checks.reduce((a, b) => sh`${a}\n${b}`)}\nexit 1`;
}

export const command = defineModule<CommandParams, CommandResult>({
  name: 'command',
  title: (p) => {
    // One line in the progress view, whatever the command spans.
    const text = p.cmd.display.replace(/\n/g, '\\n');
    return `command ${text.length > 80 ? text.slice(0, 77) + '...' : text}`;
  },
  async run(host, p) {
    const guard = guardScript(p);
    if (guard) {
      const g = await host.exec(guard, { readOnly: true, allowFail: true });
      if (g.code === 0) {
        const why = g.stdout.trim();
        const reason = why === 'creates' ? `${p.creates} exists` : why === 'removes' ? `${p.removes} does not exist` : `unless check passed`;
        return { changed: false, message: `not run: ${reason}` };
      }
    }
    if (host.check && !p.safeInCheck) {
      return { changed: true, skipped: `check mode: would run ${p.cmd.display}` };
    }
    const r = await host.exec(p.cmd, { readOnly: host.check, okCodes: p.okCodes, stdin: p.stdin, progress: p.progress });
    const changed = host.check ? false : p.changedWhen ? p.changedWhen(r) : true;
    return { changed, code: r.code, stdout: r.stdout, stderr: r.stderr, message: r.stdout.trim().split('\n').slice(-1)[0] || undefined };
  },
});
