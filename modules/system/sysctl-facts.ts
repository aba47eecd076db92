// sysctl's facts: one probe reading the kernel parameter under /proc/sys and the sysctl.d file that persists it.
import { probe } from '../../core/module.ts';
import { ProbeFormatError, type ProbeSections } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';
import { fileSections, probeCall, readFileProbe, type FileState } from '../shared/remote-file.ts';

/** What sysctl decides from: the live value (when the kernel has the key) and the persisted file. */
export interface SysctlFacts {
  /** The value as /proc/sys prints it (multi-value keys are tab-separated), without the final newline; undefined: no such key. */
  live?: string;
  /** The file in /etc/sysctl.d (absent when persist is false: not read). */
  file?: FileState;
}

// A key is dotted (net.ipv4.ip_forward) or slashed (net/ipv4/conf/eth0.1/rp_filter, for names holding dots).
const KEY_RE = /^[A-Za-z0-9_][A-Za-z0-9_:@+-]*([./][A-Za-z0-9_:@+-]+)+$/;

/** Refuses what cannot name a kernel parameter (no `..`, no leading `-`, no spaces, no `=`). */
export function checkKey(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !KEY_RE.test(name) || (name.includes('.') && name.includes('/')))
    throw new Error(
      `name must be a kernel parameter like net.ipv4.ip_forward (or net/ipv4/conf/eth0.1/rp_filter), got ${JSON.stringify(name)}`,
    );
}

/** The key's file under /proc/sys: dots are separators in the dotted form, slashes in the slashed one (sysctl(8)). */
export function procPath(name: string): string {
  return `/proc/sys/${name.includes('/') ? name : name.replace(/\./g, '/')}`;
}

/** The sections the probe prints. */
export function sysctlSections(persist: boolean): string[] {
  return ['live', ...(persist ? fileSections('file') : [])];
}

/** Reads the live value (cat: no procps needed to read) and, when persisted, the file (content, following links). */
export const sysctlFacts = probe<{ name: string; file?: string; persist?: boolean }, SysctlFacts>(
  (p, frame) =>
    ShellCommand.join([
      frame.section('live', sh`cat -- ${procPath(p.name)} 2>/dev/null`),
      ...(p.persist === false ? [] : [probeCall(frame, 'file', sysctlFile(p), { content: true, follow: true })]),
    ]),
  (s, p) => ({
    live: parseLive(s),
    ...(p.persist === false ? {} : { file: readFileProbe(s, 'file', sysctlFile(p)) }),
  }),
  (p) => sysctlSections(p.persist !== false),
);

/** The default file: late in sysctl.d's order, so a distribution's defaults do not override it. */
export const DEFAULT_FILE = '/etc/sysctl.d/99-drover.conf';

export function sysctlFile(p: { file?: string }): string {
  return p.file ?? DEFAULT_FILE;
}

/** The live value: one line (a few keys print several, tab-separated); undefined when /proc/sys has no such file. */
export function parseLive(s: ProbeSections): string | undefined {
  if (s.status('live') !== 0) return undefined;
  const t = s.text('live');
  if (!/^[^\n]*\n$/.test(t))
    throw new ProbeFormatError(`live value is not one line: ${JSON.stringify(t.slice(0, 80))}`);
  return t.slice(0, -1);
}
