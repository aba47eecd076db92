// kmod's decisions (pure): the modprobe.d options file, the modules-load.d autoload file, and whether to load or reload now.
import type { FileChange } from '../../core/events.ts';
import type { Result } from '../../core/module.ts';
import { sh, type ShellCommand } from '../../core/sh.ts';
import { bootPath, checkModuleName, confPath, sysName, type KmodFacts, type KmodState } from './kmod-facts.ts';
import { planTextFile, type TextFilePlan } from '../shared/text-file-plan.ts';

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

/** Parses the options param into ordered key/value pairs. */
export function parseOptions(o: KmodParams['options']): [string, string][] {
  if (o === undefined) return [];
  const pairs: [string, string][] =
    typeof o === 'string'
      ? o
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map((w) => {
            const i = w.indexOf('=');
            if (i <= 0) throw new Error(`option ${JSON.stringify(w)} is not key=value`);
            return [w.slice(0, i), w.slice(i + 1)];
          })
      : Object.entries(o).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? 'Y' : 'N') : String(v)]);
  for (const [k, v] of pairs) {
    if (!/^[A-Za-z0-9_]+$/.test(k)) throw new Error(`bad option name ${JSON.stringify(k)}`);
    if (v === '' || /[\s"'\\#]/.test(v))
      throw new Error(`option ${k} has a value modprobe.d cannot carry unquoted: ${JSON.stringify(v)}`);
  }
  return pairs;
}

/** Params checked before the host is touched. */
export function validateKmod(p: KmodParams): void {
  checkModuleName(p.name);
  parseOptions(p.options);
}

/** The exact text of /etc/modprobe.d/NAME.conf. */
export function modprobeConf(name: string, pairs: [string, string][]): string {
  return `options ${name} ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}\n`;
}

/** Parameters whose loaded value differs from the wanted one (Y/N vs 1/0/true/false compared as booleans). */
export function mismatchedParams(pairs: [string, string][], loaded: Record<string, string>): KmodResult['mismatched'] {
  const asBool = (s: string) => (/^(y|1|true|on)$/i.test(s) ? 'Y' : /^(n|0|false|off)$/i.test(s) ? 'N' : undefined);
  const out: KmodResult['mismatched'] = {};
  for (const [k, want] of pairs) {
    const have = loaded[k];
    if (have === want) continue;
    if (have !== undefined && asBool(have) !== undefined && asBool(have) === asBool(want) && /^[YN]$/.test(have))
      continue;
    out[k] = { have, want };
  }
  return out;
}

/** What to do about loading (pure): load, reload, skip, or only report mismatched parameters. */
export function decideLoad(
  p: KmodParams,
  pairs: [string, string][],
  f: KmodState,
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
    const diff = Object.entries(mismatched)
      .map(([k, v]) => `${k}=${v.have ?? '(unreadable)'} (want ${v.want})`)
      .join(', ');
    const inUse = f.builtin
      ? 'built into the kernel'
      : (f.refcnt ?? 0) > 0
        ? `in use (refcnt ${f.refcnt})`
        : (f.drbdMinors ?? 0) > 0
          ? `${f.drbdMinors} DRBD minor(s) configured`
          : undefined;
    if (p.reload && !inUse) {
      doReload = true;
      messages.push(`reloaded: was ${diff}`);
    } else {
      messages.push(`loaded with ${diff}; not reloaded: ${inUse ?? 'pass reload: true to reload it'}`);
    }
  }
  return { doLoad, doReload, skipped, messages, mismatched };
}

/** kmod's whole decision: the report, the files to write or remove, and the modprobe to run. */
export interface KmodPlan {
  result: KmodResult;
  files: TextFilePlan[];
  /** modprobe (or modprobe -r && modprobe for a reload); absent when the module is left as it is. */
  load?: ShellCommand;
}

export function planKmod(p: KmodParams, f: KmodFacts): KmodPlan {
  const pairs = parseOptions(p.options);
  const files: TextFilePlan[] = [];
  if (p.options !== undefined) {
    const conf = planTextFile(confPath(p.name), f.conf, () => ({ text: modprobeConf(p.name, pairs) }), {
      createParents: true,
    });
    if (conf) files.push(conf);
  }
  const boot = planTextFile(bootPath(p.name), f.boot, () => ({ text: p.onBoot !== false ? `${p.name}\n` : null }), {
    createParents: true,
  });
  if (boot) files.push(boot);
  const messages = files.map((x) => `${x.path}: ${x.message}`);

  const d = decideLoad(p, pairs, f.state);
  messages.push(...d.messages);
  let skipped = d.skipped;
  if (skipped && files.length) skipped += `; ${messages.join('; ')}`;
  const changed = files.length > 0 || d.doLoad || d.doReload;
  const result: KmodResult = {
    changed,
    changes: files.map((x) => x.change),
    loaded: f.state.loaded,
    mismatched: d.mismatched,
  };
  if (skipped) result.skipped = skipped;
  else if (messages.length) result.message = messages.join('; ');
  const load = d.doReload
    ? sh`modprobe -r -- ${p.name} && modprobe -- ${p.name}`
    : d.doLoad
      ? sh`modprobe -- ${p.name}`
      : undefined;
  return { result, files, load };
}

/** After modprobe: the module must be there with the wanted parameters (pure check of the state read again). */
export function checkLoaded(p: KmodParams, after: KmodState): Pick<KmodResult, 'loaded' | 'mismatched'> {
  if (!after.loaded) throw new Error(`modprobe succeeded but /sys/module/${sysName(p.name)} is missing`);
  const mismatched = mismatchedParams(parseOptions(p.options), after.params);
  if (Object.keys(mismatched).length) throw new Error(`loaded, but parameters differ: ${JSON.stringify(mismatched)}`);
  return { loaded: true, mismatched };
}
