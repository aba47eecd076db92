// Pure parsers of LVM reports (`pvs`/`vgs`/`lvs --noheadings --separator '|' --units b --nosuffix`) and `blkid -p` output.

/** The report options every LVM query uses: machine-readable stdout; stderr (device-mapper noise) is ignored. */
export const REPORT_OPTS = ['--noheadings', '--separator', '|', '--units', 'b', '--nosuffix'] as const;
export const PV_FIELDS = 'pv_name,vg_name,pv_size,pv_free,pv_uuid';
export const VG_FIELDS = 'vg_name,pv_count,lv_count,vg_size,vg_free,vg_extent_size,vg_uuid';
export const LV_FIELDS = 'vg_name,lv_name,lv_size,lv_attr,lv_uuid';

export interface PvRow {
  name: string;
  /** null when the PV belongs to no VG. */
  vg: string | null;
  size: number;
  free: number;
  uuid: string;
}
export interface VgRow {
  name: string;
  pvCount: number;
  lvCount: number;
  size: number;
  free: number;
  extentSize: number;
  uuid: string;
}
export interface LvRow {
  vg: string;
  name: string;
  size: number;
  attr: string;
  uuid: string;
}

/** Rows with exactly `n` fields; anything else (a warning that slipped into stdout) is skipped. */
function rows(stdout: string, n: number): string[][] {
  const out: string[][] = [];
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    const f = t.split('|');
    if (f.length === n) out.push(f.map((x) => x.trim()));
  }
  return out;
}

function num(s: string): number | undefined {
  return /^\d+$/.test(s) ? Number(s) : undefined;
}

export function parsePvs(stdout: string): PvRow[] {
  const out: PvRow[] = [];
  for (const [name, vg, size, free, uuid] of rows(stdout, 5)) {
    const s = num(size);
    const fr = num(free);
    if (!name.startsWith('/') || s === undefined || fr === undefined) continue;
    out.push({ name, vg: vg || null, size: s, free: fr, uuid });
  }
  return out;
}

export function parseVgs(stdout: string): VgRow[] {
  const out: VgRow[] = [];
  for (const [name, pvs, lvs, size, free, ext, uuid] of rows(stdout, 7)) {
    const v = [pvs, lvs, size, free, ext].map(num);
    if (v.some((x) => x === undefined)) continue;
    out.push({ name, pvCount: v[0]!, lvCount: v[1]!, size: v[2]!, free: v[3]!, extentSize: v[4]!, uuid });
  }
  return out;
}

export function parseLvs(stdout: string): LvRow[] {
  const out: LvRow[] = [];
  for (const [vg, name, size, attr, uuid] of rows(stdout, 5)) {
    const s = num(size);
    if (s === undefined) continue;
    out.push({ vg, name, size: s, attr, uuid });
  }
  return out;
}

export interface Signature {
  /** No signature at all (`blkid -p` exit 2). */
  blank: boolean;
  /** TYPE: "ext4", "LVM2_member", "xfs", "dos" (partition table)... */
  type?: string;
  usage?: string;
  uuid?: string;
  /** KEY=value pairs as blkid printed them. */
  fields: Record<string, string>;
}

/**
 * `blkid -p DEV` (either the default `DEV: KEY="v" ...` form or `-o export` KEY=v lines) and its exit
 * code: 0 = something found, 2 = nothing found. Other codes are errors the caller reports.
 */
export function parseBlkid(stdout: string, code: number): Signature {
  if (code === 2) return { blank: true, fields: {} };
  if (code !== 0) throw new Error(`blkid -p exited with ${code}: cannot tell whether the device is blank`);
  const fields: Record<string, string> = {};
  for (const m of stdout.matchAll(/([A-Z_]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g)) fields[m[1]] = m[2] ?? m[3] ?? '';
  return { blank: false, type: fields.TYPE ?? fields.PTTYPE, usage: fields.USAGE, uuid: fields.UUID, fields };
}

/** A size as `lvcreate` takes it: bytes (-L) or a percentage (-l 50%FREE). */
export type LvSize = { bytes: number; text: string } | { percent: number; of: 'FREE' | 'VG' | 'PVS'; text: string };

const UNITS: Record<string, number> = { '': 1024 ** 2, b: 1, s: 512, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Parses "1G", "512M", "100g", "50%FREE", "100%VG". Units are binary as in LVM (1G = 1 GiB); no unit = MiB. */
export function parseLvSize(size: string): LvSize {
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
