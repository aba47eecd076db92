// sysctl's decisions (pure): the sysctl.d file's lines for one key, and whether the running kernel needs the value.
import type { FileChange } from '../../core/events.ts';
import type { Result } from '../../core/module.ts';
import { checkPath } from '../shared/remote-file.ts';
import { planTextFile, type TextFilePlan } from '../shared/text-file-plan.ts';
import { checkKey, procPath, sysctlFile, type SysctlFacts } from './sysctl-facts.ts';

export interface SysctlParams {
  /** The kernel parameter: 'net.ipv4.ip_forward', or with slashes when a part holds a dot: 'net/ipv4/conf/eth0.1/rp_filter'. */
  name: string;
  /** The value (required unless state is 'absent'). true/false are written 1/0; several numbers: '1024 65000' or [1024, 65000]. */
  value?: string | number | boolean | readonly (string | number)[];
  /** 'present' (default): set it; 'absent': remove it from the file (the running value is left as it is). */
  state?: 'present' | 'absent';
  /** The file that persists it (default /etc/sysctl.d/99-drover.conf): other lines of that file are kept. */
  file?: string;
  /** Write the file (default true). false: runtime only. */
  persist?: boolean;
  /** Set the running kernel's value now with `sysctl -w` (default true). */
  runtime?: boolean;
}

export interface SysctlResult extends Result {
  changes: FileChange[];
  /** The running value before the call (undefined: the kernel has no such key). */
  before?: string;
}

/** The value as one string: booleans as 1/0, lists joined by a space. */
export function valueText(v: NonNullable<SysctlParams['value']>): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (Array.isArray(v)) return v.map(String).join(' ');
  return String(v);
}

/** Two values are the same setting when their words are (the kernel prints tabs between a key's numbers). */
export function sameValue(a: string, b: string): boolean {
  return a.trim().split(/\s+/).join(' ') === b.trim().split(/\s+/).join(' ');
}

/** Params checked before the host is touched. */
export function validateSysctl(p: SysctlParams): void {
  checkKey(p.name);
  if (p.state !== undefined && p.state !== 'present' && p.state !== 'absent')
    throw new Error(`state must be 'present' or 'absent', got ${JSON.stringify(p.state)}`);
  if (p.state !== 'absent') {
    if (p.value === undefined) throw new Error('value is required (unless state is absent)');
    const v = valueText(p.value);
    if (v.trim() === '' || /[\n\r\0]/.test(v))
      throw new Error(`value must be one non-empty line, got ${JSON.stringify(v)}`);
  }
  if (p.file !== undefined) checkPath(p.file, 'file');
  if (p.persist === false && p.runtime === false) throw new Error('persist and runtime are both false: nothing to do');
}

/** The key a sysctl.d line sets (its `-` prefix, "ignore a failure", dropped), normalised to the /proc/sys path. */
function lineKey(line: string): string | undefined {
  const m = /^\s*-?([^=#;\s][^=]*?)\s*=/.exec(line);
  return m ? procPath(m[1]) : undefined;
}

/**
 * The file's new text for `name` (pure): 'present' keeps the first line setting the key when its value
 * is already right (formatting untouched), else replaces it with `name = value`, or appends that line;
 * later lines setting the same key are removed (they would win at boot). 'absent' (value null) removes
 * every line setting it. null: no file (absent and nothing else left in it).
 */
export function editSysctlText(before: string | null, name: string, value: string | null): string | null {
  const key = procPath(name);
  const lines = before === null || before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let found = false;
  for (const line of lines) {
    if (lineKey(line) !== key) {
      out.push(line);
      continue;
    }
    if (value === null || found) continue;
    found = true;
    const have = line.slice(line.indexOf('=') + 1);
    out.push(sameValue(have, value) ? line : `${name} = ${value}`);
  }
  if (value !== null && !found) out.push(`${name} = ${value}`);
  // Nothing left: no file (an empty file that was there stays as it is).
  if (out.length === 0) return before === null || before === '' ? before : null;
  return `${out.join('\n')}\n`;
}

/** sysctl's whole decision: the report, the file to write, and whether to set the running value. */
export interface SysctlPlan {
  result: SysctlResult;
  file?: TextFilePlan;
  /** The value to set with sysctl -w (undefined: leave the kernel as it is). */
  setLive?: string;
}

export function planSysctl(p: SysctlParams, f: SysctlFacts): SysctlPlan {
  const want = p.state === 'absent' ? null : valueText(p.value as NonNullable<SysctlParams['value']>);
  const messages: string[] = [];
  let setLive: string | undefined;
  if (want !== null && p.runtime !== false) {
    if (f.live === undefined)
      throw new Error(
        `no kernel parameter ${p.name} (no ${procPath(p.name)}; a module that provides it may not be loaded): pass runtime: false to only persist it`,
      );
    if (!sameValue(f.live, want)) {
      setLive = want;
      messages.push(`${f.live.replace(/\t/g, ' ')} → ${want}`);
    }
  }
  let file: TextFilePlan | undefined;
  if (p.persist !== false && f.file) {
    const path = sysctlFile(p);
    file = planTextFile(path, f.file, (before) => ({ text: editSysctlText(before, p.name, want) }), {
      createParents: true,
    });
    if (file) messages.push(`${path}: ${file.message}`);
  }
  const result: SysctlResult = {
    changed: file !== undefined || setLive !== undefined,
    changes: file ? [file.change] : [],
  };
  if (f.live !== undefined) result.before = f.live;
  if (messages.length) result.message = messages.join('; ');
  return { result, file, setLive };
}

/** After sysctl -w: the kernel must read back the value (it may round, clamp or refuse it silently). */
export function checkReadBack(p: SysctlParams, want: string, after: string): void {
  if (!sameValue(after, want))
    throw new Error(
      `the kernel reads back ${p.name} = ${JSON.stringify(after)} after writing ${JSON.stringify(want)}: write the value as the kernel prints it`,
    );
}
