// lvm's facts: one probe per module (pvs/vgs/lvs reports, readlink -f, blkid -p, lvm.conf) and the strict parsers of their answers.
import { probe } from '../../core/module.ts';
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';
import { fileSections, probeCall, readFileProbe, type FileState } from '../shared/remote-file.ts';

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

/** Sections of one device: REAL<key> (its canonical path; rc 0 when it is a block device) and BLKID<key>. */
export function deviceProbe(frame: ProbeFrame, device: string, key: string): ShellCommand {
  return ShellCommand.join([
    sh`d=${device}`,
    frame.section(`REAL${key}`, sh`readlink -f -- "$d"; [ -b "$d" ]`),
    frame.section(`BLKID${key}`, sh`blkid -p -o export -- "$d"`),
  ]);
}

export const pvsSection = (frame: ProbeFrame): ShellCommand =>
  frame.section('PVS', sh`pvs ${REPORT_OPTS} -o ${PV_FIELDS} 2>/dev/null`);
export const vgsSection = (frame: ProbeFrame, vg: string): ShellCommand =>
  frame.section('VGS', sh`vgs ${REPORT_OPTS} -o ${VG_FIELDS} -- ${vg} 2>/dev/null`);
export const lvsSection = (frame: ProbeFrame, vg: string): ShellCommand =>
  frame.section('LVS', sh`lvs ${REPORT_OPTS} -o ${LV_FIELDS} -- ${vg} 2>/dev/null`);

/** Section names of deviceProbe for devices 0..n-1. */
export function deviceSections(n: number): string[] {
  return Array.from({ length: n }, (_, i) => [`REAL${i}`, `BLKID${i}`]).flat();
}

export interface DeviceState {
  device: string;
  real: string;
  isBlock: boolean;
  signature?: Signature;
  pv?: PvRow;
}

/** The state of `device` from its sections (key as given to deviceProbe) and the PV rows. */
export function deviceState(s: ProbeSections, device: string, key: string, pvs: PvRow[]): DeviceState {
  const real = s.get('REAL' + key);
  // readlink -f prints one line; nothing when it cannot resolve (then the device is reported as given)
  if (real.text !== '' && !/^\/[^\n]*\n$/.test(real.text))
    throw new ProbeFormatError(
      `readlink -f ${JSON.stringify(device)} printed ${JSON.stringify(real.text.slice(0, 120))}`,
    );
  const realPath = real.text.slice(0, -1) || device;
  const pv = pvs.find((p) => p.name === device || p.name === realPath);
  const isBlock = real.status === 0;
  const b = s.get('BLKID' + key);
  let signature: Signature | undefined;
  if (isBlock) {
    if (b.status !== 0 && b.status !== 2)
      throw new Error(`blkid -p ${device} exited with ${b.status}; cannot tell whether it is blank`);
    signature = parseBlkid(b.text, b.status);
  }
  return { device, real: realPath, isBlock, signature, pv };
}

/** The PV rows of the PVS section. */
export function pvRows(s: ProbeSections): PvRow[] {
  return parsePvs(s.text('PVS'));
}

export function vgRow(s: ProbeSections, name: string): VgRow | undefined {
  return parseVgs(s.text('VGS')).find((v) => v.name === name);
}

export function lvRow(s: ProbeSections, vg: string, name: string): LvRow | undefined {
  return parseLvs(s.text('LVS')).find((l) => l.vg === vg && l.name === name);
}

// ---- one probe per module: what lvm.pv / lvm.vg / lvm.lv / lvm.filter read before deciding ----

export interface PvFacts {
  device: DeviceState;
}

/** lvm.pv: the device (canonical path, block device or not, blkid signature) and whether pvs shows it. */
export const pvFacts = probe<{ device: string }, PvFacts>(
  (p, frame) => ShellCommand.join([deviceProbe(frame, p.device, '0'), pvsSection(frame)]),
  (s, p) => ({ device: deviceState(s, p.device, '0', pvRows(s)) }),
  () => [...deviceSections(1), 'PVS'],
);

export interface VgFacts {
  /** The VG, when vgs shows it. */
  vg?: VgRow;
  pvs: PvRow[];
  /** The listed devices, in order. */
  devices: DeviceState[];
}

/** lvm.vg: the VG, every PV, and each listed device. */
export const vgFacts = probe<{ name: string; devices?: string[] }, VgFacts>(
  (p, frame) =>
    ShellCommand.join([
      vgsSection(frame, p.name),
      pvsSection(frame),
      ...(p.devices ?? []).map((d, i) => deviceProbe(frame, d, String(i))),
    ]),
  (s, p) => {
    const pvs = pvRows(s);
    return { vg: vgRow(s, p.name), pvs, devices: (p.devices ?? []).map((d, i) => deviceState(s, d, String(i), pvs)) };
  },
  (p) => ['VGS', 'PVS', ...deviceSections((p.devices ?? []).length)],
);

export interface LvFacts {
  vg?: VgRow;
  lv?: LvRow;
}

/** lvm.lv: the VG (free space, extent size) and the LV. */
export const lvFacts = probe<{ vg: string; name: string }, LvFacts>(
  (p, frame) => ShellCommand.join([vgsSection(frame, p.vg), lvsSection(frame, p.vg)]),
  (s, p) => ({ vg: vgRow(s, p.vg), lv: lvRow(s, p.vg, p.name) }),
  () => ['VGS', 'LVS'],
);

export const LVM_CONF = '/etc/lvm/lvm.conf';

/** lvm.filter: lvm.conf (following a symlink), its bytes, owner and mode. */
export const filterFacts = probe<{ file?: string }, FileState>(
  (p, frame) => probeCall(frame, 'conf', p.file ?? LVM_CONF, { content: true, follow: true }),
  (s, p) => readFileProbe(s, 'conf', p.file ?? LVM_CONF),
  () => fileSections('conf'),
);
