// kmod: a kernel module's options (modprobe.d), autoload (modules-load.d), loading now, and a check of the loaded parameters.
import { defineModule, type Result } from '../core/module.ts';
import type { FileChange } from '../core/events.ts';
import { sh, ShellCommand } from '../core/sh.ts';
import { applyPlan, planSysfile, type Plan, type SysfileParams } from './sysfile.ts';
import { parseFileProbes, probeCall } from './remote-file.ts';

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

const NAME_RE = /^[A-Za-z0-9_-]+$/;

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

function factsScript(name: string): ShellCommand {
  const m = `/sys/module/${sysName(name)}`;
  return sh`m=${m}
echo kernel="$(uname -r)"
if [ -d "/lib/modules/$(uname -r)" ]; then echo moddir=1; fi
if modinfo ${name} >/dev/null 2>&1; then echo available=1; fi
if [ -d "$m" ]; then
  if [ -e "$m/initstate" ]; then echo loaded=1; echo "refcnt=$(cat "$m/refcnt" 2>/dev/null)"; else echo loaded=1; echo builtin=1; fi
  for f in "$m"/parameters/*; do [ -r "$f" ] && printf 'param.%s=%s\\n' "\${f##*/}" "$(cat "$f" 2>/dev/null)"; done
fi
if [ -r /proc/drbd ]; then echo "drbdminors=$(grep -c '^ *[0-9][0-9]*: cs:' /proc/drbd)"; fi
true`;
}

export function parseKmodFacts(rest: string[]): KmodFacts {
  const f: KmodFacts = { loaded: false, builtin: false, params: {}, available: false, kernel: '', moduleDir: false };
  for (const l of rest) {
    const i = l.indexOf('=');
    if (i <= 0) continue;
    const k = l.slice(0, i);
    const v = l.slice(i + 1);
    if (k === 'kernel') f.kernel = v;
    else if (k === 'moddir') f.moduleDir = true;
    else if (k === 'available') f.available = true;
    else if (k === 'loaded') f.loaded = true;
    else if (k === 'builtin') f.builtin = true;
    else if (k === 'refcnt' && v !== '') f.refcnt = Number(v);
    else if (k === 'drbdminors') f.drbdMinors = Number(v);
    else if (k.startsWith('param.')) f.params[k.slice(6)] = v;
  }
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
    if (!NAME_RE.test(p.name ?? '')) throw new Error(`kmod: bad module name ${JSON.stringify(p.name)}`);
    const pairs = parseOptions(p.options, where);
    const load = p.load !== false;
    const onBoot = p.onBoot !== false;
    const confPath = `/etc/modprobe.d/${p.name}.conf`;
    const bootPath = `/etc/modules-load.d/${p.name}.conf`;
    const probe = ShellCommand.join([probeCall(confPath, { content: true, follow: true }), probeCall(bootPath, { content: true, follow: true }), factsScript(p.name)], '\n');
    const r = await host.exec(probe, { readOnly: true });
    const { files, rest } = parseFileProbes(r.stdoutBytes, [confPath, bootPath]);
    const f = parseKmodFacts(rest);

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
      const after = await host.exec(factsScript(p.name), { readOnly: true });
      const f2 = parseKmodFacts(after.stdout.split('\n'));
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
