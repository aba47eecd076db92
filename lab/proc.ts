// Machine process helpers: start times (so a recycled PID is never mistaken for ours), liveness, children.
import { readFileSync } from 'node:fs';

/** Field 22 of /proc/PID/stat (start time in clock ticks), or undefined if the process is gone. */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces and parens: fields after it start after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** True when pid is alive and (if given) still the process that started at startTime. */
export function isOurProcess(pid: number, startTime?: string): boolean {
  if (!pid) return false;
  const st = procStartTime(pid);
  if (st === undefined) return false;
  // A zombie is dead for our purposes.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return false;
  } catch {
    return false;
  }
  return startTime === undefined || st === startTime;
}

export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function killIfOurs(pid: number, startTime?: string): void {
  if (!isOurProcess(pid, startTime)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
