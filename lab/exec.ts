// Runs a command inside a lab host through its namespaces (nsenter, no SSH): for setup and for tests to look inside.
import { hostIndex } from './plan.ts';
import { runProgram, type ProgramResult } from './run.ts';
import { readRecord } from './state.ts';
import type { LabState } from './types.ts';

/** The argv that enters host `pid`'s namespaces and root with a clean environment. */
export function nsenterArgv(pid: number, command: readonly string[]): string[] {
  if (!command.length) throw new Error('labExec: empty command');
  return [
    'nsenter',
    '-t',
    String(pid),
    '-m',
    '-u',
    '-n',
    '-p',
    '-r',
    '-w',
    '--',
    '/usr/bin/env',
    '-i',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'HOME=/root',
    'LANG=C.UTF-8',
    ...command,
  ];
}

export async function labExec(
  state: LabState,
  node: string,
  command: string[],
  opts: { stdin?: string | Buffer } = {},
): Promise<ProgramResult> {
  // The recorded state as of now: a host that rebooted runs a new init, and `state` may predate it.
  const current = readRecord(state.name) ?? state;
  const h = current.hosts[hostIndex(current, node)];
  if (!h.pid) throw new Error(`lab ${state.name}: host ${h.name} is not running`);
  return runProgram(nsenterArgv(h.pid, command), opts);
}
