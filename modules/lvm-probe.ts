// lvm's probes (ProbeFrame sections) and the state read from their answers; pure apart from building sh text.
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../core/probe-frame.ts';
import { sh, ShellCommand } from '../core/sh.ts';
import { LV_FIELDS, parseBlkid, parseLvs, parsePvs, parseVgs, PV_FIELDS, REPORT_OPTS, VG_FIELDS, type LvRow, type PvRow, type Signature, type VgRow } from './lvm-report.ts';

/**
 * Refuses a device path LVM tools could misread: it must be absolute under /dev, normalised (no `//`,
 * `.` or `..` segment, no trailing `/`) and free of control characters (a newline would have forged
 * the old probe's answer).
 */
export function checkDevice(device: unknown, where: string): asserts device is string {
  const ok =
    typeof device === 'string' &&
    device.startsWith('/dev/') &&
    !/[\x00-\x1f\x7f]/.test(device) &&
    device
      .slice(5)
      .split('/')
      .every((seg) => seg !== '' && seg !== '.' && seg !== '..');
  if (!ok) throw new Error(`${where}: device must be a normalised absolute path under /dev without control characters, got ${JSON.stringify(device)}`);
}

// LVM's own rule for VG and LV names (lvm(8) "VALID NAMES"): these characters, not starting with '-'.
const LVM_NAME = /^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$/;

/** Refuses what LVM would not take as a VG/LV name ('.' and '..' included). */
export function checkLvmName(name: unknown, where: string, what: string): asserts name is string {
  if (typeof name !== 'string' || !LVM_NAME.test(name) || name === '.' || name === '..') {
    throw new Error(`${where}: ${what} ${JSON.stringify(name)} is not a valid LVM name (letters, digits, '+_.-', not starting with '-')`);
  }
}

/** Sections of one device: REAL<key> (its canonical path; rc 0 when it is a block device) and BLKID<key>. */
export function deviceProbe(frame: ProbeFrame, device: string, key: string): ShellCommand {
  return ShellCommand.join([
    sh`d=${device}`,
    frame.section(`REAL${key}`, sh`readlink -f -- "$d"; [ -b "$d" ]`),
    frame.section(`BLKID${key}`, sh`blkid -p -o export -- "$d"`),
  ]);
}

export const pvsSection = (frame: ProbeFrame): ShellCommand => frame.section('PVS', sh`pvs ${REPORT_OPTS} -o ${PV_FIELDS} 2>/dev/null`);
export const vgsSection = (frame: ProbeFrame, vg: string): ShellCommand => frame.section('VGS', sh`vgs ${REPORT_OPTS} -o ${VG_FIELDS} -- ${vg} 2>/dev/null`);
export const lvsSection = (frame: ProbeFrame, vg: string): ShellCommand => frame.section('LVS', sh`lvs ${REPORT_OPTS} -o ${LV_FIELDS} -- ${vg} 2>/dev/null`);

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
  if (real.text !== '' && !/^\/[^\n]*\n$/.test(real.text)) throw new ProbeFormatError(`lvm: readlink -f ${JSON.stringify(device)} printed ${JSON.stringify(real.text.slice(0, 120))}`);
  const realPath = real.text.slice(0, -1) || device;
  const pv = pvs.find((p) => p.name === device || p.name === realPath);
  const isBlock = real.status === 0;
  const b = s.get('BLKID' + key);
  let signature: Signature | undefined;
  if (isBlock) {
    if (b.status !== 0 && b.status !== 2) throw new Error(`lvm: blkid -p ${device} exited with ${b.status}; cannot tell whether it is blank`);
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
