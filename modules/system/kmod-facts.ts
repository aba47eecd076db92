// kmod's facts: one probe reading the kernel, the module's state in /sys, and its two config files; parsed strictly.
import { probe } from '../../core/module.ts';
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';
import { fileSections, probeCall, readFileProbe, type FileState } from '../shared/remote-file.ts';

/** The module's state read from the kernel. */
export interface KmodState {
  loaded: boolean;
  builtin: boolean;
  refcnt?: number;
  params: Record<string, string>;
  available: boolean;
  kernel: string;
  moduleDir: boolean;
  drbdMinors?: number;
}

/** Everything kmod decides from: the kernel's state and the two files it manages. */
export interface KmodFacts {
  state: KmodState;
  /** /etc/modprobe.d/NAME.conf */
  conf: FileState;
  /** /etc/modules-load.d/NAME.conf */
  boot: FileState;
}

export const confPath = (name: string): string => `/etc/modprobe.d/${name}.conf`;
export const bootPath = (name: string): string => `/etc/modules-load.d/${name}.conf`;

// The kernel's module names: no leading '-' (it would be an option), at most 55 bytes (MODULE_NAME_LEN - 1 - 8 in older kernels; 55 fits all).
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,54}$/;

/** Refuses what cannot be a kernel module name (`--help`, `a b`, a path). */
export function checkModuleName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new Error(
      `name must be a kernel module name (letters, digits, '_' and '-', not starting with '-'), got ${JSON.stringify(name)}`,
    );
  }
}

/** The kernel's name for a module in /sys (dashes become underscores). */
export function sysName(name: string): string {
  return name.replace(/-/g, '_');
}

/** The sections factsProbe prints. */
export const FACT_SECTIONS = ['kernel', 'moddir', 'available', 'module', 'refcnt', 'params', 'drbd'] as const;

/**
 * Sections of `frame` with the module's state: each fact in its own section (its exit status or exact
 * output), so a parameter value read from /sys cannot pass for another fact.
 *   module: rc 0 loaded as a module (has initstate), 1 built in, 2 not loaded
 *   params: NAME NUL VALUE NUL ... (values as $(cat) gives them, without trailing newlines)
 *   drbd:   the number of configured DRBD minors, rc != 0 without /proc/drbd
 */
export function factsProbe(frame: ProbeFrame, name: string): ShellCommand {
  checkModuleName(name);
  const m = `/sys/module/${sysName(name)}`;
  return ShellCommand.join([
    sh`m=${m}`,
    frame.section('kernel', sh`uname -r`),
    frame.section('moddir', sh`test -d "/lib/modules/$(uname -r)"`),
    frame.section('available', sh`modinfo -- ${name} >/dev/null 2>&1`),
    frame.section(
      'module',
      sh`if [ -e "$m/initstate" ]; then true; elif [ -d "$m" ]; then (exit 1); else (exit 2); fi`,
    ),
    frame.section('refcnt', sh`cat "$m/refcnt" 2>/dev/null`),
    frame.section(
      'params',
      sh`for f in "$m"/parameters/*; do [ -r "$f" ] && printf '%s\\0%s\\0' "\${f##*/}" "$(cat "$f" 2>/dev/null)"; done; true`,
    ),
    frame.section(
      'drbd',
      sh`if [ -r /proc/drbd ]; then grep -c '^ *[0-9][0-9]*: cs:' /proc/drbd; true; else false; fi`,
    ),
  ]);
}

/** A number printed on one line, or undefined when the section printed nothing. */
function count(s: ProbeSections, name: string): number | undefined {
  const t = s.text(name);
  if (t === '') return undefined;
  if (!/^\d+\n$/.test(t)) throw new ProbeFormatError(`${name} is not a number: ${JSON.stringify(t.slice(0, 80))}`);
  return Number(t);
}

/** The state from factsProbe's sections (strict: anything else is a ProbeFormatError). */
export function parseKmodFacts(s: ProbeSections): KmodState {
  const kernel = s.text('kernel');
  if (s.status('kernel') !== 0 || !/^[^\n]+\n$/.test(kernel))
    throw new ProbeFormatError(`uname -r printed ${JSON.stringify(kernel.slice(0, 80))}`);
  const state = s.status('module');
  if (state > 2) throw new ProbeFormatError(`module state ${state}`);
  const f: KmodState = {
    kernel: kernel.slice(0, -1),
    moduleDir: s.status('moddir') === 0,
    available: s.status('available') === 0,
    loaded: state !== 2,
    builtin: state === 1,
    params: {},
  };
  if (f.loaded && !f.builtin) f.refcnt = count(s, 'refcnt');
  const fields = s.text('params').split('\0');
  if (fields.pop() !== '' || fields.length % 2 !== 0)
    throw new ProbeFormatError('the parameter list is not NAME NUL VALUE NUL pairs');
  for (let i = 0; i < fields.length; i += 2) {
    if (!/^[A-Za-z0-9_]+$/.test(fields[i]) || fields[i] in f.params)
      throw new ProbeFormatError(`bad parameter name ${JSON.stringify(fields[i])}`);
    f.params[fields[i]] = fields[i + 1];
  }
  if (s.status('drbd') === 0) f.drbdMinors = count(s, 'drbd');
  // a built-in or already loaded module is available whatever modinfo said
  if (f.loaded) f.available = true;
  return f;
}

/** The module's state alone (read again after modprobe). */
export const kmodState = probe<{ name: string }, KmodState>(
  (p, frame) => factsProbe(frame, p.name),
  (s) => parseKmodFacts(s),
  () => FACT_SECTIONS,
);

/** kmod's one read: both files (content, following symlinks) and the state. */
export const kmodFacts = probe<{ name: string }, KmodFacts>(
  (p, frame) =>
    ShellCommand.join([
      probeCall(frame, 'conf', confPath(p.name), { content: true, follow: true }),
      probeCall(frame, 'boot', bootPath(p.name), { content: true, follow: true }),
      factsProbe(frame, p.name),
    ]),
  (s, p) => ({
    conf: readFileProbe(s, 'conf', confPath(p.name)),
    boot: readFileProbe(s, 'boot', bootPath(p.name)),
    state: parseKmodFacts(s),
  }),
  () => [...fileSections('conf'), ...fileSections('boot'), ...FACT_SECTIONS],
);
