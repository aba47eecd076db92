// command: run a shell command, guarded by creates/removes/unless so a rerun changes nothing.
import type { ExecResult } from '../../core/host.ts';
import { defineModule, probe, type HostReader, type Plan, type Result } from '../../core/module.ts';
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../../core/probe-frame.ts';
import type { Secret } from '../../core/secret.ts';
import { sh, ShellCommand } from '../../core/sh.ts';

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
   * The command only reads state: it runs as a read (also in --check) and reports changed: false
   * unless `changedWhen` says otherwise. Without it, --check skips the command and says it would run.
   */
  safeInCheck?: boolean;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
  /** Decide "changed" from the result (default: changed whenever the command ran, as Ansible; false for safeInCheck). */
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

type Guard = 'creates' | 'removes' | 'unless';

/** What the facts step saw: the guard that says the work is done, and a safeInCheck command's own run. */
export interface CommandFacts {
  /** The first guard that held (the command is not run); undefined when none did or none was given. */
  done?: Guard;
  /** With safeInCheck and no guard holding: the command's result (it ran as a read). */
  ran?: ExecResult;
}

function hasGuard(p: CommandParams): boolean {
  return p.creates !== undefined || p.removes !== undefined || p.unless !== undefined;
}

/**
 * The guard probe: one section `guard` printing the first guard that holds ("creates", "removes",
 * "unless", then exit 0), or nothing (exit 1). The unless command's own output is dropped.
 */
export function guardProbe(p: CommandParams, frame: ProbeFrame): ShellCommand {
  const checks: ShellCommand[] = [];
  if (p.creates !== undefined) checks.push(sh`{ test -e ${p.creates} && echo creates; }`);
  if (p.removes !== undefined) checks.push(sh`{ ! test -e ${p.removes} && echo removes; }`);
  if (p.unless !== undefined) checks.push(sh`{ ( ${p.unless} ) >/dev/null 2>&1 </dev/null && echo unless; }`);
  return frame.section('guard', checks.length ? ShellCommand.join(checks, ' || ') : sh`false`);
}

/** The guard that held, from guardProbe's answer (strict: a word for a guard not given is a ProbeFormatError). */
export function parseGuard(s: ProbeSections, p: CommandParams): CommandFacts {
  const g = s.get('guard');
  if (g.text === '') return {};
  const word = g.text.replace(/\n$/, '');
  if (g.status !== 0 || (word !== 'creates' && word !== 'removes' && word !== 'unless') || p[word] === undefined) {
    throw new ProbeFormatError(`guard printed ${JSON.stringify(g.text.slice(0, 80))} (exit ${g.status})`);
  }
  return { done: word };
}

const guardFacts = probe(guardProbe, parseGuard, () => ['guard']);

/**
 * Facts: the guards (one read-only round trip; none without guards), then a safeInCheck command itself,
 * as a read. Keeps the guard probe's build/parse so fixtures can plan from a recorded guard answer.
 */
const commandFacts = Object.assign(
  async (host: HostReader, p: CommandParams): Promise<CommandFacts> => {
    const f = hasGuard(p) ? await guardFacts(host, p) : {};
    if (f.done || !p.safeInCheck) return f;
    return { ...f, ran: await host.exec(p.cmd, { okCodes: p.okCodes, stdin: p.stdin, progress: p.progress }) };
  },
  { build: guardFacts.build, parse: guardFacts.parse, sections: guardFacts.sections },
);

/** What a run reports: exit code, output, and its last output line as the message. */
function report(r: ExecResult): Pick<CommandResult, 'code' | 'stdout' | 'stderr' | 'message'> {
  return {
    code: r.code,
    stdout: r.stdout,
    stderr: r.stderr,
    message: r.stdout.trim().split('\n').slice(-1)[0] || undefined,
  };
}

/** The decision (pure): not run (a guard holds), already run (safeInCheck), or run it in apply. */
export function commandPlan(p: CommandParams, f: CommandFacts): Plan<CommandResult> {
  if (f.done) {
    const reason =
      f.done === 'creates'
        ? `${p.creates} exists`
        : f.done === 'removes'
          ? `${p.removes} does not exist`
          : 'unless check passed';
    return { result: { changed: false, message: `not run: ${reason}` } };
  }
  if (p.safeInCheck) {
    if (!f.ran) throw new Error('safeInCheck: the facts step did not run the command (a bug in command)');
    const changed = p.changedWhen ? p.changedWhen(f.ran) : false;
    const result: CommandResult = { changed, ...report(f.ran) };
    // It already ran, as a read: a change changedWhen reports has nothing left to apply.
    return changed ? { result, apply: async () => undefined } : { result };
  }
  return {
    // What --check reports; a real run replaces it with the command's own report.
    result: { changed: true, skipped: `check mode: would run ${p.cmd.display}` },
    apply: async (host) => {
      const r = await host.exec(p.cmd, { okCodes: p.okCodes, stdin: p.stdin, progress: p.progress });
      return { skipped: undefined, changed: p.changedWhen ? p.changedWhen(r) : true, ...report(r) };
    },
  };
}

/** Pure checks of the params before the host is touched. */
function checkParams(p: CommandParams): void {
  if (!(p.cmd instanceof ShellCommand)) throw new Error('cmd must be built with sh`...`');
  if (p.unless !== undefined && !(p.unless instanceof ShellCommand))
    throw new Error('unless must be built with sh`...`');
  for (const k of ['creates', 'removes'] as const) {
    const v = p[k];
    if (v !== undefined && (typeof v !== 'string' || v === '' || v.includes('\0')))
      throw new Error(`${k} must be a non-empty path without NUL, got ${JSON.stringify(v)}`);
  }
  for (const c of p.okCodes ?? [])
    if (!Number.isInteger(c) || c < 0 || c > 255) throw new Error(`okCodes: ${c} is not an exit code (0-255)`);
}

export const command = defineModule<CommandParams, CommandFacts, CommandResult>({
  name: 'command',
  title: (p) => {
    // One line in the progress view, whatever the command spans.
    const text = p.cmd.display.replace(/\n/g, '\\n');
    return `command ${text.length > 80 ? text.slice(0, 77) + '...' : text}`;
  },
  validate: checkParams,
  facts: commandFacts,
  plan: (p, f) => commandPlan(p, f),
});
