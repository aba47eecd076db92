// mount's decisions (pure): the fstab line of one mount point, and whether to mount, remount or unmount it now.
import type { FileChange } from '../../core/events.ts';
import type { Result } from '../../core/module.ts';
import { sh, ShellCommand } from '../../core/sh.ts';
import { checkPath } from '../shared/remote-file.ts';
import { planTextFile, type TextFilePlan } from '../shared/text-file-plan.ts';
import { DEFAULT_FSTAB, unescapeOctal, type MountFacts } from './mount-facts.ts';

export interface MountParams {
  /** The mount point: an absolute, normalised path ('/srv/data'). Created (mkdir -p) when mounting. */
  path: string;
  /** What to mount: '/dev/vdb', 'UUID=…', 'LABEL=…', 'server:/export', 'tmpfs'. Required for mounted/present. */
  src?: string;
  /** The filesystem type: 'ext4', 'xfs', 'tmpfs', 'nfs'. Required for mounted/present. */
  fstype?: string;
  /** Mount options (default 'defaults'): 'noatime,nodev' or ['noatime', 'nodev']. */
  opts?: string | readonly string[];
  /** fstab's fifth field (default 0). */
  dump?: number;
  /** fstab's sixth field: fsck order (default 0: never). */
  passno?: number;
  /**
   * mounted: in fstab and mounted now (remounted when its fstab line changed while mounted);
   * present: in fstab only; unmounted: unmounted now, fstab untouched; absent: unmounted and out of fstab.
   */
  state: 'mounted' | 'present' | 'unmounted' | 'absent';
  /** The table to edit (default /etc/fstab). */
  fstab?: string;
}

export interface MountResult extends Result {
  changes: FileChange[];
  /** Mounted at `path` after the call (in --check: now). */
  mounted: boolean;
}

const STATES = new Set(['mounted', 'present', 'unmounted', 'absent']);

/** Options as one comma-separated string. */
export function optionsText(o: MountParams['opts']): string {
  if (o === undefined) return 'defaults';
  return typeof o === 'string' ? o : o.join(',');
}

/** Params checked before the host is touched. */
export function validateMount(p: MountParams): void {
  checkPath(p.path, 'path');
  if (p.path !== '/' && (p.path.endsWith('/') || /\/\/|\/\.\.?(\/|$)/.test(p.path)))
    throw new Error(`path must be normalised (no '//', '.', '..' or trailing '/'): ${JSON.stringify(p.path)}`);
  if (!STATES.has(p.state))
    throw new Error(`state must be mounted, present, unmounted or absent, got ${JSON.stringify(p.state)}`);
  if (p.state === 'mounted' || p.state === 'present') {
    if (typeof p.src !== 'string' || p.src === '' || /[\n\r\0]/.test(p.src) || p.src.startsWith('-'))
      throw new Error(
        `src is required for state ${p.state}: a device, UUID=…, LABEL=… or source, got ${JSON.stringify(p.src)}`,
      );
    if (typeof p.fstype !== 'string' || !/^[a-z0-9_][a-z0-9_.+-]*$/.test(p.fstype))
      throw new Error(
        `fstype is required for state ${p.state}: a filesystem type like ext4, got ${JSON.stringify(p.fstype)}`,
      );
  }
  const opts = optionsText(p.opts);
  if (!/^[^\s,-][^\s,]*(,[^\s,]+)*$/.test(opts))
    throw new Error(`opts must be options without spaces or empty items, got ${JSON.stringify(opts)}`);
  for (const k of ['dump', 'passno'] as const) {
    const v = p[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 9)) throw new Error(`${k} must be 0-9, got ${v}`);
  }
  if (p.fstab !== undefined) checkPath(p.fstab, 'fstab');
}

/** fstab's octal escapes for what would split a field: space, tab, newline, backslash. */
export function escapeField(s: string): string {
  return s.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** The line for this mount point. */
export function fstabLine(p: MountParams): string {
  return [p.src!, p.path, p.fstype!, optionsText(p.opts)]
    .map(escapeField)
    .concat(String(p.dump ?? 0), String(p.passno ?? 0))
    .join(' ');
}

/** A line's fields when it is an entry (not a comment or blank): unescaped, dump/passno defaulted as mount(8) does. */
function entryFields(line: string): string[] | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  const f = t.split(/\s+/).map(unescapeOctal);
  return f.length >= 2 ? [f[0], f[1], f[2] ?? '', f[3] ?? 'defaults', f[4] ?? '0', f[5] ?? '0'] : undefined;
}

/**
 * The fstab's new text (pure): the first entry for the mount point is kept when its fields are the
 * wanted ones (its spacing untouched), else replaced; later entries for the same mount point removed
 * (mount would use the last). line null: every entry for it removed. Comments and other entries kept.
 */
export function editFstab(before: string | null, path: string, line: string | null): string | null {
  const lines = before === null || before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const want = line === null ? undefined : entryFields(line);
  const out: string[] = [];
  let found = false;
  for (const l of lines) {
    const f = entryFields(l);
    if (!f || f[1] !== path) {
      out.push(l);
      continue;
    }
    if (line === null || found) continue;
    found = true;
    out.push(want && f.join(' ') === want.join(' ') ? l : line);
  }
  if (line !== null && !found) out.push(line);
  // the last entry gone: an empty table, never a deleted one
  if (out.length === 0) return before === null ? null : '';
  return `${out.join('\n')}\n`;
}

/** mount's whole decision: the report, the fstab to write, and the one command for the live state. */
export interface MountPlan {
  result: MountResult;
  fstab?: TextFilePlan;
  live?: ShellCommand;
}

export function planMount(p: MountParams, f: MountFacts): MountPlan {
  const tab = p.fstab ?? DEFAULT_FSTAB;
  const messages: string[] = [];
  let fstab: TextFilePlan | undefined;
  if (p.state !== 'unmounted') {
    const line = p.state === 'absent' ? null : fstabLine(p);
    fstab = planTextFile(tab, f.fstab, (before) => ({ text: editFstab(before, p.path, line) }));
    if (fstab) messages.push(`${tab}: ${fstab.message}`);
  }
  const m = f.mounted;
  let live: ShellCommand | undefined;
  let mounted = m !== undefined;
  if (p.state === 'mounted') {
    if (m) {
      const sameSource = m.source === p.src || (f.srcDevice !== undefined && f.srcDevice === m.majMin);
      if (!sameSource || m.fstype !== p.fstype)
        throw new Error(
          `${p.path} is mounted from ${m.source} (${m.fstype}), not ${p.src} (${p.fstype}): unmount it first (state: 'unmounted')`,
        );
      if (fstab) {
        live = sh`mount -o ${`remount,${optionsText(p.opts)}`} -- ${p.path}`;
        messages.push('remounted');
      }
    } else {
      live = ShellCommand.join(
        [
          ...(f.dirExists ? [] : [sh`mkdir -p -- ${p.path}`]),
          sh`mount -t ${p.fstype!} -o ${optionsText(p.opts)} -- ${p.src!} ${p.path}`,
        ],
        ' && ',
      );
      messages.push(f.dirExists ? 'mounted' : `created ${p.path}, mounted`);
      mounted = true;
    }
  } else if ((p.state === 'unmounted' || p.state === 'absent') && m) {
    live = sh`umount -- ${p.path}`;
    messages.push('unmounted');
    mounted = false;
  }
  const result: MountResult = {
    changed: fstab !== undefined || live !== undefined,
    changes: fstab ? [fstab.change] : [],
    mounted,
  };
  if (messages.length) result.message = messages.join('; ');
  return { result, fstab, live };
}
