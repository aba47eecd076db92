// kmod: a kernel module's options (modprobe.d), autoload (modules-load.d), loading now, and a check of the loaded parameters.
import { defineModule, type Result } from '../core/module.ts';
import type { FileChange } from '../core/events.ts';
import { ProbeFormatError, ProbeFrame, type ProbeSections } from '../core/probe-frame.ts';
import { sh, ShellCommand } from '../core/sh.ts';
import { applyPlan, planSysfile, type Plan, type SysfileParams } from './sysfile.ts';
import { fileSections, probeCall, readFileProbe } from './remote-file.ts';

export interface KmodParams {
  /** Module name: 'drbd', 'vhost_net'. */
  name: string;
  /**
   * Options written to /etc/modprobe.d/NAME.conf as `options NAME k=v ...` and compared with
   * /sys/module/NAME/parameters/* when loaded: { minor_count: 128, usermode_helper: '/bin/true' }
   * or the same as one string 'minor_count=128 usermode_helper=/bin/true'. Omitted: the file is not managed.
   */
  options?: Record<string, string | number | boolean> | string;
  /** Load it now with modprobe (default true). false never unloads. */
  load?: boolean;
  /** Load at boot: /etc/modules-load.d/NAME.conf (default true; false removes that file). */
  onBoot?: boolean;
  /**
   * When the module is loaded with other parameter values: unload and load it again, but only when
   * nothing uses it (refcnt 0; for drbd also no minor in /proc/drbd). Default false: only reported.
   */
  reload?: boolean;
}

export interface KmodResult extends Result {
  changes: FileChange[];
  /** Loaded after the call (in --check: now). */
  loaded: boolean;
  /** Loaded parameters that differ from `options`: name → { have, want } (after the call). */
  mismatched: Record<string, { have: string | undefined; want: string }>;
}

/** Facts from the probe (pure parse). */
export interface KmodFacts {
  loaded: boolean;
  builtin: boolean;
  refcnt?: number;
  params: Record<string, string>;
  available: boolean;
  kernel: string;
  moduleDir: boolean;
  drbdMinors?: number;
}

// The kernel's module names: no leading '-' (it would be an option), at most 55 bytes (MODULE_NAME_LEN - 1 - 8 in older kernels; 55 fits all).
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,54}$/;

/** Refuses what cannot be a kernel module name (`--help`, `a b`, a path). */
export function checkModuleName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new Error(`kmod: name must be a kernel module name (letters, digits, '_' and '-', not starting with '-'), got ${JSON.stringify(name)}`);
  }
}

/** Parses the options param into ordered key/value pairs. */
export function parseOptions(o: KmodParams['options'], where: string): [string, string][] {
  if (o === undefined) return [];
  const pairs: [string, string][] =
    typeof o === 'string'
      ? o.trim().split(/\s+/).filter(Boolean).map((w) => {
          const i = w.indexOf('=');
          if (i <= 0) throw new Error(`${where}: option ${JSON.stringify(w)} is not key=value`);
          return [w.slice(0, i), w.slice(i + 1)];
        })
      : Object.entries(o).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? 'Y' : 'N') : String(v)]);
  for (const [k, v] of pairs) {
    if (!/^[A-Za-z0-9_]+$/.test(k)) throw new Error(`${where}: bad option name ${JSON.stringify(k)}`);
    if (v === '' || /[\s"'\\#]/.test(v)) throw new Error(`${where}: option ${k} has a value modprobe.d cannot carry unquoted: ${JSON.stringify(v)}`);
  }
  return pairs;
}

/** The exact text of /etc/modprobe.d/NAME.conf. */
export function modprobeConf(name: string, pairs: [string, string][]): string {
  return `options ${name} ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}\n`;
}

function sysName(name: string): string {
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
    frame.section('module', sh`if [ -e "$m/initstate" ]; then true; elif [ -d "$m" ]; then (exit 1); else (exit 2); fi`),
    frame.section('refcnt', sh`cat "$m/refcnt" 2>/dev/null`),
    frame.section('params', sh`for f in "$m"/parameters/*; do [ -r "$f" ] && printf '%s\\0%s\\0' "\${f##*/}" "$(cat "$f" 2>/dev/null)"; done; true`),
    frame.section('drbd', sh`if [ -r /proc/drbd ]; then grep -c '^ *[0-9][0-9]*: cs:' /proc/drbd; true; else false; fi`),
  ]);
}

/** A number printed on one line, or undefined when the section printed nothing. */
function count(s: ProbeSections, name: string): number | undefined {
  const t = s.text(name);
  if (t === '') return undefined;
  if (!/^\d+\n$/.test(t)) throw new ProbeFormatError(`kmod: ${name} is not a number: ${JSON.stringify(t.slice(0, 80))}`);
  return Number(t);
}

/** Facts from factsProbe's sections (strict: anything else is a ProbeFormatError). */
export function parseKmodFacts(s: ProbeSections): KmodFacts {
  const kernel = s.text('kernel');
  if (s.status('kernel') !== 0 || !/^[^\n]+\n$/.test(kernel)) throw new ProbeFormatError(`kmod: uname -r printed ${JSON.stringify(kernel.slice(0, 80))}`);
  const state = s.status('module');
  if (state > 2) throw new ProbeFormatError(`kmod: module state ${state}`);
  const f: KmodFacts = {
    kernel: kernel.slice(0, -1),
    moduleDir: s.status('moddir') === 0,
    available: s.status('available') === 0,
    loaded: state !== 2,
    builtin: state === 1,
    params: {},
  };
  if (f.loaded && !f.builtin) f.refcnt = count(s, 'refcnt');
  const fields = s.text('params').split('\0');
  if (fields.pop() !== '' || fields.length % 2 !== 0) throw new ProbeFormatError('kmod: the parameter list is not NAME NUL VALUE NUL pairs');
  for (let i = 0; i < fields.length; i += 2) {
    if (!/^[A-Za-z0-9_]+$/.test(fields[i]) || fields[i] in f.params) throw new ProbeFormatError(`kmod: bad parameter name ${JSON.stringify(fields[i])}`);
    f.params[fields[i]] = fields[i + 1];
  }
  if (s.status('drbd') === 0) f.drbdMinors = count(s, 'drbd');
  // a built-in or already loaded module is available whatever modinfo said
  if (f.loaded) f.available = true;
  return f;
}

/** Parameters whose loaded value differs from the wanted one (Y/N vs 1/0/true/false compared as booleans). */
export function mismatchedParams(pairs: [string, string][], loaded: Record<string, string>): KmodResult['mismatched'] {
  const asBool = (s: string) => (/^(y|1|true|on)$/i.test(s) ? 'Y' : /^(n|0|false|off)$/i.test(s) ? 'N' : undefined);
  const out: KmodResult['mismatched'] = {};
  for (const [k, want] of pairs) {
    const have = loaded[k];
    if (have === want) continue;
    if (have !== undefined && asBool(have) !== undefined && asBool(have) === asBool(want) && /^[YN]$/.test(have)) continue;
    out[k] = { have, want };
  }
  return out;
}

/** What to do about loading (pure): load, reload, skip, or only report mismatched parameters. */
export function decideLoad(
  p: KmodParams,
  pairs: [string, string][],
  f: KmodFacts,
): { doLoad: boolean; doReload: boolean; skipped?: string; messages: string[]; mismatched: KmodResult['mismatched'] } {
  const messages: string[] = [];
  let skipped: string | undefined;
  let doLoad = false;
  let doReload = false;
  const mismatched = f.loaded ? mismatchedParams(pairs, f.params) : {};
  if (p.load !== false && !f.loaded) {
    if (!f.available) {
      skipped = `module ${p.name} not available in kernel ${f.kernel || '(unknown)'} (${f.moduleDir ? `modinfo ${p.name} failed` : `no /lib/modules/${f.kernel}`}); not loaded`;
    } else {
      doLoad = true;
      messages.push('loaded');
    }
  }
  if (f.loaded && Object.keys(mismatched).length) {
    const diff = Object.entries(mismatched).map(([k, v]) => `${k}=${v.have ?? '(unreadable)'} (want ${v.want})`).join(', ');
    const inUse = f.builtin ? 'built into the kernel' : (f.refcnt ?? 0) > 0 ? `in use (refcnt ${f.refcnt})` : (f.drbdMinors ?? 0) > 0 ? `${f.drbdMinors} DRBD minor(s) configured` : undefined;
    if (p.reload && !inUse) {
      doReload = true;
      messages.push(`reloaded: was ${diff}`);
    } else {
      messages.push(`loaded with ${diff}; not reloaded: ${inUse ?? 'pass reload: true to reload it'}`);
    }
  }
  return { doLoad, doReload, skipped, messages, mismatched };
}

/**
 * Kernel module setup in one probe round trip: modprobe.d options, modules-load.d autoload, `modprobe`
 * when not loaded, and the loaded parameters checked against the options. When the kernel has no such
 * module (no /lib/modules/$(uname -r), modinfo fails) the files are still written and the load part is
 * reported as skipped — it never pretends the module loaded.
 *
 * @example
 * await kmod(host, { name: 'drbd', options: { minor_count: 128, usermode_helper: '/bin/true' } })
 */
export const kmod = defineModule<KmodParams, KmodResult>({
  name: 'kmod',
  title: (p) => `kmod ${p.name}`,
  run: async (host, p) => {
    const where = `kmod ${p.name}`;
    checkModuleName(p.name);
    const pairs = parseOptions(p.options, where);
    const load = p.load !== false;
    const onBoot = p.onBoot !== false;
    const confPath = `/etc/modprobe.d/${p.name}.conf`;
    const bootPath = `/etc/modules-load.d/${p.name}.conf`;
    const frame = new ProbeFrame();
    const probe = ShellCommand.join([
      probeCall(frame, 'conf', confPath, { content: true, follow: true }),
      probeCall(frame, 'boot', bootPath, { content: true, follow: true }),
      factsProbe(frame, p.name),
    ]);
    const r = await host.exec(probe, { readOnly: true });
    const sections = frame.parse(r.stdoutBytes, [...fileSections('conf'), ...fileSections('boot'), ...FACT_SECTIONS]);
    const files = [readFileProbe(sections, 'conf', confPath), readFileProbe(sections, 'boot', bootPath)];
    const f = parseKmodFacts(sections);

    const plans: Plan[] = [];
    if (p.options !== undefined) {
      const params: SysfileParams = { path: confPath, content: modprobeConf(p.name, pairs), createParents: true };
      plans.push(planSysfile(params, files[0]));
    }
    plans.push(planSysfile(onBoot ? { path: bootPath, content: `${p.name}\n`, createParents: true } : { path: bootPath, state: 'absent' }, files[1]));
    const fileChanges = plans.filter((pl) => pl.action.kind !== 'none');
    const messages = fileChanges.map((pl) => `${pl.path}: ${pl.messages.join(', ')}`);

    const d = decideLoad(p, pairs, f);
    const { doLoad, doReload } = d;
    let { skipped, mismatched } = d;
    messages.push(...d.messages);
    if (skipped && fileChanges.length) skipped += `; ${messages.join('; ')}`;
    const changed = fileChanges.length > 0 || doLoad || doReload;
    const result: KmodResult = { changed, changes: fileChanges.flatMap((pl) => pl.changes), loaded: f.loaded, mismatched };
    if (skipped) result.skipped = skipped;
    else if (messages.length) result.message = messages.join('; ');
    if (!changed || host.check) return result;
    for (const pl of fileChanges) await applyPlan(host, pl);
    if (doLoad || doReload) {
      const cmd = doReload ? sh`modprobe -r -- ${p.name} && modprobe -- ${p.name}` : sh`modprobe -- ${p.name}`;
      await host.exec(cmd);
      const frame2 = new ProbeFrame();
      const after = await host.exec(factsProbe(frame2, p.name), { readOnly: true });
      const f2 = parseKmodFacts(frame2.parse(after.stdoutBytes, FACT_SECTIONS));
      result.loaded = f2.loaded;
      mismatched = mismatchedParams(pairs, f2.params);
      result.mismatched = mismatched;
      if (!f2.loaded) throw new Error(`${where}: modprobe succeeded but /sys/module/${sysName(p.name)} is missing`);
      if (Object.keys(mismatched).length) throw new Error(`${where}: loaded, but parameters differ: ${JSON.stringify(mismatched)}`);
    }
    return result;
  },
});

export default kmod;
