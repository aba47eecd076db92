// lvm modules: physical volumes on blank devices only, volume groups and logical volumes that grow but never shrink, lvm.conf's filter.
import { defineModule, type Result } from '../core/module.ts';
import { ProbeFrame } from '../core/probe-frame.ts';
import { sh, ShellCommand } from '../core/sh.ts';
import { ensureGlobalFilter } from './lvm-filter.ts';
import {
  checkDevice,
  checkLvmName,
  deviceProbe,
  deviceSections,
  deviceState,
  lvRow as lvRowOf,
  lvsSection,
  pvRows,
  pvsSection,
  vgRow as vgRowOf,
  vgsSection,
  type DeviceState,
} from './lvm-probe.ts';
import { fileSections, probeCall, readFileProbe, writeFile } from './remote-file.ts';
import { humanBytes, parseLvSize, parsePvs, PV_FIELDS, REPORT_OPTS, roundToExtents } from './lvm-report.ts';

/** Why a device may not become a PV, or undefined when it is blank. */
function notBlank(d: DeviceState): string | undefined {
  if (!d.isBlock) return `${d.device} is not a block device`;
  if (!d.signature || d.signature.blank) return undefined;
  const f = d.signature.fields;
  const what =
    d.signature.type === 'LVM2_member'
      ? 'an LVM physical volume label (of a VG this host does not show, or filtered out)'
      : `a ${d.signature.type ?? 'unknown'} ${d.signature.usage ?? 'signature'}`;
  return `${d.device} holds ${what} (blkid -p: ${Object.entries(f).filter(([k]) => ['TYPE', 'UUID', 'LABEL', 'PTTYPE', 'USAGE'].includes(k)).map(([k, v]) => `${k}=${v}`).join(' ')})`;
}

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

const pv = defineModule<PvParams, PvResult>({
  name: 'lvm.pv',
  title: (p) => `lvm pv ${p.device}`,
  async run(host, p) {
    checkDevice(p.device, 'lvm.pv');
    const frame = new ProbeFrame();
    const res = await host.exec(ShellCommand.join([deviceProbe(frame, p.device, '0'), pvsSection(frame)]), { readOnly: true });
    const s = frame.parse(res.stdoutBytes, [...deviceSections(1), 'PVS']);
    const d = deviceState(s, p.device, '0', pvRows(s));
    if (d.pv) return { changed: false, vg: d.pv.vg, size: d.pv.size };
    const why = notBlank(d);
    if (why && (!p.force || !d.isBlock)) {
      throw new Error(`refusing to create a physical volume: ${why}.${d.isBlock ? ' Pass force: true to wipe it.' : ''}`);
    }
    const message = `pvcreate ${p.device}${why ? ' (forced: wiping its signature)' : ''}`;
    if (host.check) return { changed: true, message, vg: null, size: null };
    await host.exec(why ? sh`pvcreate -ff -y -- ${p.device}` : sh`pvcreate -- ${p.device}`);
    const after = await host.exec(sh`pvs ${REPORT_OPTS} -o ${PV_FIELDS} -- ${p.device}`, { readOnly: true });
    const row = parsePvs(after.stdout)[0];
    return { changed: true, message, vg: null, size: row?.size ?? null };
  },
});

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

const vg = defineModule<VgParams, VgResult>({
  name: 'lvm.vg',
  title: (p) => `lvm vg ${p.name}${p.state === 'absent' ? ' (absent)' : ''}`,
  async run(host, p) {
    checkLvmName(p.name, 'lvm.vg', 'name');
    const devices = p.devices ?? [];
    devices.forEach((d, i) => checkDevice(d, `lvm.vg ${p.name}: devices[${i}]`));
    const state = p.state ?? 'present';
    if (state === 'present' && devices.length === 0) throw new Error('lvm.vg: devices must list at least one device');
    const probe = async () => {
      const frame = new ProbeFrame();
      const cmd = ShellCommand.join([vgsSection(frame, p.name), pvsSection(frame), ...devices.map((d, i) => deviceProbe(frame, d, String(i)))]);
      const s = frame.parse((await host.exec(cmd, { readOnly: true })).stdoutBytes, ['VGS', 'PVS', ...deviceSections(devices.length)]);
      const pvs = pvRows(s);
      return { vgRow: vgRowOf(s, p.name), pvs, devs: devices.map((d, i) => deviceState(s, d, String(i), pvs)) };
    };
    const { vgRow, pvs, devs } = await probe();
    const members = pvs.filter((x) => x.vg === p.name).map((x) => x.name);

    if (state === 'absent') {
      if (!vgRow) return { changed: false, size: null, free: null, pvs: [] };
      if (vgRow.lvCount > 0) throw new Error(`lvm.vg: ${p.name} still holds ${vgRow.lvCount} logical volume(s); remove them first`);
      if (host.check) return { changed: true, message: `vgremove ${p.name}`, size: null, free: null, pvs: [] };
      await host.exec(sh`vgremove -- ${p.name}`);
      return { changed: true, message: `vgremove ${p.name}`, size: null, free: null, pvs: [] };
    }

    const toAdd: DeviceState[] = [];
    for (const d of devs) {
      if (d.pv?.vg === p.name) continue;
      if (d.pv?.vg) throw new Error(`lvm.vg: ${d.device} already belongs to volume group ${d.pv.vg}; refusing to move it into ${p.name}`);
      if (!d.pv) {
        const why = notBlank(d);
        if (why) throw new Error(`lvm.vg: refusing to use ${why}. Make it a PV first with lvm.pv (force: true to wipe)`);
      }
      toAdd.push(d);
    }
    const notListed = members.filter((m) => !devs.some((d) => d.real === m || d.device === m));
    const note = notListed.length ? ` (also holds ${notListed.join(', ')}, kept: never shrunk implicitly)` : '';
    if (toAdd.length === 0) {
      return { changed: false, size: vgRow?.size ?? null, free: vgRow?.free ?? null, pvs: members, message: note ? note.trim() : undefined };
    }
    const names = toAdd.map((d) => d.device);
    const message = vgRow ? `vgextend ${p.name} ${names.join(' ')}` : `vgcreate ${p.name} ${names.join(' ')}`;
    if (host.check) return { changed: true, message: message + note, size: vgRow?.size ?? null, free: vgRow?.free ?? null, pvs: members };
    await host.exec(vgRow ? sh`vgextend -- ${p.name} ${names}` : sh`vgcreate -- ${p.name} ${names}`);
    const after = await probe();
    if (!after.vgRow) throw new Error(`lvm.vg: ${message} succeeded but vgs does not show ${p.name}`);
    return {
      changed: true,
      message: `${message}: ${humanBytes(after.vgRow.size)}, ${humanBytes(after.vgRow.free)} free${note}`,
      size: after.vgRow.size,
      free: after.vgRow.free,
      pvs: after.pvs.filter((x) => x.vg === p.name).map((x) => x.name),
    };
  },
});

export interface LvParams {
  vg: string;
  name: string;
  /** "1G", "512M" (binary units; grows an existing LV, never shrinks it) or "50%FREE" (used only when creating). */
  size: string;
}
export interface LvResult extends Result {
  size: number | null;
}

const lv = defineModule<LvParams, LvResult>({
  name: 'lvm.lv',
  title: (p) => `lvm lv ${p.vg}/${p.name} ${p.size}`,
  async run(host, p) {
    checkLvmName(p.vg, 'lvm.lv', 'vg');
    checkLvmName(p.name, 'lvm.lv', 'name');
    const size = parseLvSize(p.size);
    const probe = async () => {
      const frame = new ProbeFrame();
      const res = await host.exec(ShellCommand.join([vgsSection(frame, p.vg), lvsSection(frame, p.vg)]), { readOnly: true });
      const s = frame.parse(res.stdoutBytes, ['VGS', 'LVS']);
      return { vgRow: vgRowOf(s, p.vg), lvRow: lvRowOf(s, p.vg, p.name) };
    };
    const { vgRow, lvRow } = await probe();
    if (!vgRow) throw new Error(`lvm.lv: volume group ${p.vg} does not exist`);
    const target = 'bytes' in size ? roundToExtents(size.bytes, vgRow.extentSize) : undefined;
    if (lvRow) {
      if (target === undefined || lvRow.size >= target) {
        const note =
          target === undefined
            ? `exists (${humanBytes(lvRow.size)}); a percentage size is only used when creating`
            : lvRow.size > target
              ? `is ${humanBytes(lvRow.size)}, larger than ${p.size}: never shrunk`
              : undefined;
        return { changed: false, size: lvRow.size, message: note ? `${p.vg}/${p.name} ${note}` : undefined };
      }
      if (target - lvRow.size > vgRow.free) {
        throw new Error(`lvm.lv: growing ${p.vg}/${p.name} to ${p.size} needs ${humanBytes(target - lvRow.size)}, ${p.vg} has ${humanBytes(vgRow.free)} free`);
      }
      const message = `lvextend ${p.vg}/${p.name} ${humanBytes(lvRow.size)} -> ${humanBytes(target)}`;
      if (host.check) return { changed: true, message, size: target };
      await host.exec(sh`lvextend -L ${`${target}b`} -- ${`${p.vg}/${p.name}`}`);
      const after = await probe();
      return { changed: true, message, size: after.lvRow?.size ?? null };
    }
    if (target !== undefined && target > vgRow.free) {
      throw new Error(`lvm.lv: ${p.vg} has ${humanBytes(vgRow.free)} free, ${p.vg}/${p.name} needs ${humanBytes(target)}`);
    }
    const message = `lvcreate ${p.vg}/${p.name} ${target !== undefined ? humanBytes(target) : size.text}`;
    if (host.check) return { changed: true, message, size: target ?? null };
    await host.exec(
      target !== undefined
        ? sh`lvcreate --yes -n ${p.name} -L ${`${target}b`} -- ${p.vg}`
        : sh`lvcreate --yes -n ${p.name} -l ${size.text} -- ${p.vg}`,
    );
    const after = await probe();
    if (!after.lvRow) throw new Error(`lvm.lv: lvcreate succeeded but lvs does not show ${p.vg}/${p.name}`);
    return { changed: true, message: `${message}`, size: after.lvRow.size };
  },
});

export interface FilterParams {
  /** Regexes of devices LVM must never scan, e.g. '^/dev/drbd[0-9]+$'. */
  reject: string[];
  /** Default /etc/lvm/lvm.conf. */
  file?: string;
}

const filter = defineModule<FilterParams, Result>({
  name: 'lvm.filter',
  title: (p) => `lvm filter ${p.file ?? '/etc/lvm/lvm.conf'}`,
  async run(host, p) {
    const file = p.file ?? '/etc/lvm/lvm.conf';
    const frame = new ProbeFrame();
    const res = await host.exec(probeCall(frame, 'conf', file, { content: true, follow: true }), { readOnly: true });
    const st = readFileProbe(frame.parse(res.stdoutBytes, fileSections('conf')), 'conf', file);
    const before = st.kind === 'file' ? (st.content ?? Buffer.alloc(0)).toString('utf8') : null;
    const after = ensureGlobalFilter(before ?? '', p.reject);
    if (before !== null && after === before) return { changed: false };
    const changes = [{ path: file, before, after }];
    const message = `global_filter rejects ${p.reject.join(', ')}`;
    if (host.check) return { changed: true, changes, message };
    // An existing lvm.conf keeps its mode and owner; a new one is private to root, as before.
    await writeFile(host, file, after, before === null ? { mode: '0600' } : { mode: st.mode ?? '0600', owner: st.uid, group: st.gid });
    return { changed: true, changes, message };
  },
});

export const lvm = { pv, vg, lv, filter };
