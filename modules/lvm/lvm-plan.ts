// lvm's decisions (pure): params + facts → what to create, extend or refuse, the message, and the command; never shrinks, never wipes unasked.
import type { Plan, Result } from '../../core/module.ts';
import { sh, type ShellCommand } from '../../core/sh.ts';
import { ensureGlobalFilter, rejectEntry } from './lvm-filter.ts';
import { LVM_CONF, type DeviceState, type LvFacts, type PvFacts, type VgFacts } from './lvm-facts.ts';
import { checkPath, type FileState } from '../shared/remote-file.ts';
import { planTextFile, type TextFilePlan } from '../shared/text-file-plan.ts';

export interface PvParams {
  device: string;
  /** Wipe whatever signature the device holds. Never implied. */
  force?: boolean;
}
export interface PvResult extends Result {
  /** VG the PV belongs to, null when none. */
  vg: string | null;
  size: number | null;
}

export interface VgParams {
  name: string;
  devices: string[];
  /** absent removes the VG (only when it holds no LV); never implied. */
  state?: 'present' | 'absent';
}
export interface VgResult extends Result {
  size: number | null;
  free: number | null;
  pvs: string[];
}

export interface LvParams {
  vg: string;
  name: string;
  /** "1G", "512M" (binary units; grows an existing LV, never shrinks it) or "50%FREE" (used only when creating). */
  size: string;
}
export interface LvResult extends Result {
  size: number | null;
}

export interface FilterParams {
  /** Regexes of devices LVM must never scan, e.g. '^/dev/drbd[0-9]+$'. */
  reject: string[];
  /** Default /etc/lvm/lvm.conf. */
  file?: string;
}

/**
 * A plan whose command changes sizes LVM alone knows (metadata, extents): `readBack` turns the facts
 * read again after the command into the result's final fields (pure, so fixtures can feed it).
 */
export interface LvmPlan<R extends Result, F> extends Plan<R> {
  apply?: ShellCommand;
  readBack?: (after: F) => Partial<R>;
}

/**
 * Refuses a device path LVM tools could misread: it must be absolute under /dev, normalised (no `//`,
 * `.` or `..` segment, no trailing `/`) and free of control characters (a newline would have forged
 * the old probe's answer). `what` names the parameter: "device", "devices[1]".
 */
export function checkDevice(device: unknown, what: string): asserts device is string {
  const ok =
    typeof device === 'string' &&
    device.startsWith('/dev/') &&
    !/[\x00-\x1f\x7f]/.test(device) &&
    device
      .slice(5)
      .split('/')
      .every((seg) => seg !== '' && seg !== '.' && seg !== '..');
  if (!ok)
    throw new Error(
      `${what} must be a normalised absolute path under /dev without control characters, got ${JSON.stringify(device)}`,
    );
}

// LVM's own rule for VG and LV names (lvm(8) "VALID NAMES"): these characters, not starting with '-'.
const LVM_NAME = /^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$/;

/** Refuses what LVM would not take as a VG/LV name ('.' and '..' included). `what` names the parameter. */
export function checkLvmName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || !LVM_NAME.test(name) || name === '.' || name === '..') {
    throw new Error(
      `${what} ${JSON.stringify(name)} is not a valid LVM name (letters, digits, '+_.-', not starting with '-')`,
    );
  }
}

/** A size as `lvcreate` takes it: bytes (-L) or a percentage (-l 50%FREE). */
export type LvSize = { bytes: number; text: string } | { percent: number; of: 'FREE' | 'VG' | 'PVS'; text: string };

const UNITS: Record<string, number> = {
  '': 1024 ** 2,
  b: 1,
  s: 512,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** Parses "1G", "512M", "100g", "50%FREE", "100%VG". Units are binary as in LVM (1G = 1 GiB); no unit = MiB. */
export function parseLvSize(size: string): LvSize {
  if (typeof size !== 'string')
    throw new Error(`size must be a string like "1G" or "50%FREE", got ${JSON.stringify(size)}`);
  const pct = /^(\d+(?:\.\d+)?)%(FREE|VG|PVS)$/i.exec(size.trim());
  if (pct) {
    const percent = Number(pct[1]);
    if (percent <= 0 || percent > 100) throw new Error(`size "${size}": percentage must be in (0, 100]`);
    return { percent, of: pct[2].toUpperCase() as 'FREE' | 'VG' | 'PVS', text: `${pct[1]}%${pct[2].toUpperCase()}` };
  }
  const m = /^(\d+(?:\.\d+)?)\s*([bskmgtp]?)(?:i?b)?$/i.exec(size.trim());
  if (!m) throw new Error(`size "${size}" is not an LVM size (examples: "1G", "512M", "50%FREE")`);
  const bytes = Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()]);
  if (bytes <= 0) throw new Error(`size "${size}" must be positive`);
  return { bytes, text: `${bytes}b` };
}

/** Rounds bytes up to whole extents, as lvcreate/lvextend do. */
export function roundToExtents(bytes: number, extentSize: number): number {
  return Math.ceil(bytes / extentSize) * extentSize;
}

/** "1.5 GiB" for messages. */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

// ---- params, checked before the host is touched ----

export function validatePv(p: PvParams): void {
  checkDevice(p.device, 'device');
}

export function validateVg(p: VgParams): void {
  checkLvmName(p.name, 'name');
  const state = p.state ?? 'present';
  if (state !== 'present' && state !== 'absent')
    throw new Error(`state must be 'present' or 'absent', got ${JSON.stringify(p.state)}`);
  if (p.devices !== undefined && !Array.isArray(p.devices))
    throw new Error(`devices must be a list of device paths, got ${JSON.stringify(p.devices)}`);
  (p.devices ?? []).forEach((d, i) => checkDevice(d, `devices[${i}]`));
  if (state === 'present' && !p.devices?.length) throw new Error('devices must list at least one device');
}

export function validateLv(p: LvParams): void {
  checkLvmName(p.vg, 'vg');
  checkLvmName(p.name, 'name');
  parseLvSize(p.size);
}

export function validateFilter(p: FilterParams): void {
  if (!Array.isArray(p.reject)) throw new Error(`reject must be a list of patterns, got ${JSON.stringify(p.reject)}`);
  p.reject.forEach((r) => rejectEntry(r));
  checkPath(p.file ?? LVM_CONF, 'file');
}

// ---- decisions ----

/** Why a device may not become a PV, or undefined when it is blank. */
export function notBlank(d: DeviceState): string | undefined {
  if (!d.isBlock) return `${d.device} is not a block device`;
  if (!d.signature || d.signature.blank) return undefined;
  const f = d.signature.fields;
  const what =
    d.signature.type === 'LVM2_member'
      ? 'an LVM physical volume label (of a VG this host does not show, or filtered out)'
      : `a ${d.signature.type ?? 'unknown'} ${d.signature.usage ?? 'signature'}`;
  return `${d.device} holds ${what} (blkid -p: ${Object.entries(f)
    .filter(([k]) => ['TYPE', 'UUID', 'LABEL', 'PTTYPE', 'USAGE'].includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')})`;
}

/** lvm.pv: a PV already there is left alone; a blank device gets pvcreate; anything holding a signature is refused unless force. */
export function planPv(p: PvParams, f: PvFacts): LvmPlan<PvResult, PvFacts> {
  const d = f.device;
  if (d.pv) return { result: { changed: false, vg: d.pv.vg, size: d.pv.size } };
  const why = notBlank(d);
  // A device holding a filesystem (or any) signature is never wiped unless asked; a non-block device never.
  if (why && (!p.force || !d.isBlock)) {
    throw new Error(`refusing to create a physical volume: ${why}.${d.isBlock ? ' Pass force: true to wipe it.' : ''}`);
  }
  return {
    result: {
      changed: true,
      message: `pvcreate ${p.device}${why ? ' (forced: wiping its signature)' : ''}`,
      vg: null,
      size: null,
    },
    apply: why ? sh`pvcreate -ff -y -- ${p.device}` : sh`pvcreate -- ${p.device}`,
    readBack: (after) => ({ size: after.device.pv?.size ?? null }),
  };
}

/** lvm.vg: create or extend with the listed devices; never shrinks; removes (state absent) only a VG without LVs. */
export function planVg(p: VgParams, f: VgFacts): LvmPlan<VgResult, VgFacts> {
  const members = f.pvs.filter((x) => x.vg === p.name).map((x) => x.name);
  if ((p.state ?? 'present') === 'absent') {
    const gone: VgResult = { changed: false, size: null, free: null, pvs: [] };
    if (!f.vg) return { result: gone };
    if (f.vg.lvCount > 0) throw new Error(`${p.name} still holds ${f.vg.lvCount} logical volume(s); remove them first`);
    return { result: { ...gone, changed: true, message: `vgremove ${p.name}` }, apply: sh`vgremove -- ${p.name}` };
  }

  const toAdd: DeviceState[] = [];
  for (const d of f.devices) {
    if (d.pv?.vg === p.name) continue;
    if (d.pv?.vg)
      throw new Error(`${d.device} already belongs to volume group ${d.pv.vg}; refusing to move it into ${p.name}`);
    if (!d.pv) {
      const why = notBlank(d);
      if (why) throw new Error(`refusing to use ${why}. Make it a PV first with lvm.pv (force: true to wipe)`);
    }
    toAdd.push(d);
  }
  const notListed = members.filter((m) => !f.devices.some((d) => d.real === m || d.device === m));
  const note = notListed.length ? ` (also holds ${notListed.join(', ')}, kept: never shrunk implicitly)` : '';
  const now = { size: f.vg?.size ?? null, free: f.vg?.free ?? null, pvs: members };
  if (toAdd.length === 0) return { result: { changed: false, ...now, message: note ? note.trim() : undefined } };
  const names = toAdd.map((d) => d.device);
  const message = f.vg ? `vgextend ${p.name} ${names.join(' ')}` : `vgcreate ${p.name} ${names.join(' ')}`;
  return {
    result: { changed: true, message: message + note, ...now },
    apply: f.vg ? sh`vgextend -- ${p.name} ${names}` : sh`vgcreate -- ${p.name} ${names}`,
    readBack: (after) => {
      if (!after.vg) throw new Error(`${message} succeeded but vgs does not show ${p.name}`);
      return {
        message: `${message}: ${humanBytes(after.vg.size)}, ${humanBytes(after.vg.free)} free${note}`,
        size: after.vg.size,
        free: after.vg.free,
        pvs: after.pvs.filter((x) => x.vg === p.name).map((x) => x.name),
      };
    },
  };
}

/** lvm.lv: create (bytes or a percentage), grow to a larger byte size, never shrink; refuse what the VG cannot hold. */
export function planLv(p: LvParams, f: LvFacts): LvmPlan<LvResult, LvFacts> {
  const size = parseLvSize(p.size);
  const { vg, lv } = f;
  const where = `${p.vg}/${p.name}`;
  if (!vg) throw new Error(`volume group ${p.vg} does not exist`);
  const target = 'bytes' in size ? roundToExtents(size.bytes, vg.extentSize) : undefined;
  if (lv) {
    if (target === undefined || lv.size >= target) {
      const note =
        target === undefined
          ? `exists (${humanBytes(lv.size)}); a percentage size is only used when creating`
          : lv.size > target
            ? `is ${humanBytes(lv.size)}, larger than ${p.size}: never shrunk`
            : undefined;
      return { result: { changed: false, size: lv.size, message: note ? `${where} ${note}` : undefined } };
    }
    if (target - lv.size > vg.free) {
      throw new Error(
        `growing ${where} to ${p.size} needs ${humanBytes(target - lv.size)}, ${p.vg} has ${humanBytes(vg.free)} free`,
      );
    }
    return {
      result: {
        changed: true,
        message: `lvextend ${where} ${humanBytes(lv.size)} -> ${humanBytes(target)}`,
        size: target,
      },
      apply: sh`lvextend -L ${`${target}b`} -- ${where}`,
      readBack: (after) => ({ size: after.lv?.size ?? null }),
    };
  }
  if (target !== undefined && target > vg.free)
    throw new Error(`${p.vg} has ${humanBytes(vg.free)} free, ${where} needs ${humanBytes(target)}`);
  return {
    result: {
      changed: true,
      message: `lvcreate ${where} ${target !== undefined ? humanBytes(target) : size.text}`,
      size: target ?? null,
    },
    apply:
      target !== undefined
        ? sh`lvcreate --yes -n ${p.name} -L ${`${target}b`} -- ${p.vg}`
        : sh`lvcreate --yes -n ${p.name} -l ${size.text} -- ${p.vg}`,
    readBack: (after) => {
      if (!after.lv) throw new Error(`lvcreate succeeded but lvs does not show ${where}`);
      return { size: after.lv.size };
    },
  };
}

/** lvm.filter: global_filter in lvm.conf rejects the patterns (only that setting changes; a new lvm.conf is private to root). */
export function planFilter(p: FilterParams, st: FileState): { result: Result; file?: TextFilePlan } {
  if (p.reject.length === 0) return { result: { changed: false } };
  const file = planTextFile(
    p.file ?? LVM_CONF,
    st,
    (before) => ({ text: ensureGlobalFilter(before ?? '', p.reject) }),
    { mode: '0600' },
  );
  if (!file) return { result: { changed: false } };
  return {
    result: { changed: true, changes: [file.change], message: `global_filter rejects ${p.reject.join(', ')}` },
    file,
  };
}
