// Facts mounts (/proc/mounts) and blockDevices (lsblk -J): parsers and their probe sections.
import { sh } from '../../core/sh.ts';
import { FactError, json, objects, okText, str, type FactProbe } from './fact.ts';

/** One line of /proc/mounts. */
export interface MountEntry {
  /** The source: '/dev/vda1', 'tmpfs', 'server:/export'. */
  readonly device: string;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly options: readonly string[];
}

/** The kernel's octal escapes in /proc/mounts fields (space \040, tab \011, newline \012, backslash \134). */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** The mounts fact from /proc/mounts' text. */
export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.split(' ');
    if (f.length < 4) throw new FactError('mounts', `/proc/mounts line ${JSON.stringify(line.slice(0, 80))}`);
    out.push({
      device: unescapeMount(f[0]),
      mountPoint: unescapeMount(f[1]),
      fsType: f[2],
      options: f[3].split(',').map(unescapeMount),
    });
  }
  return out;
}

export const mountsFact: FactProbe<MountEntry[]> = {
  sections: ['mounts.proc'],
  build: (frame) => frame.section('mounts.proc', sh`cat /proc/mounts`),
  parse: (s) => parseMounts(okText(s, 'mounts', 'mounts.proc', 'cat /proc/mounts')),
};

/** One device lsblk lists, with the devices on top of it (partitions, LVs). */
export interface BlockDevice {
  readonly name: string;
  /** '/dev/vda1' (lsblk's PATH, else /dev/NAME). */
  readonly path: string;
  /** 'disk', 'part', 'lvm', 'loop', 'rom', 'raid1'... */
  readonly type: string;
  readonly sizeBytes: number;
  readonly readOnly: boolean;
  readonly removable: boolean;
  readonly fsType?: string;
  readonly uuid?: string;
  readonly label?: string;
  readonly mountPoint?: string;
  readonly children: readonly BlockDevice[];
}

const COLUMNS = 'NAME,PATH,TYPE,SIZE,RO,RM,FSTYPE,UUID,LABEL,MOUNTPOINT';

/** lsblk before 2.33 prints every value as a string ("1", "0", "10737418240"); later ones numbers and booleans. */
function flag(v: unknown): boolean {
  return v === true || v === '1' || v === 1;
}

function device(o: Record<string, unknown>): BlockDevice {
  const name = str('blockDevices', o, 'name');
  if (!name) throw new FactError('blockDevices', 'lsblk: a device without a name');
  const size = typeof o.size === 'number' ? o.size : Number(o.size ?? 0);
  if (!Number.isFinite(size)) throw new FactError('blockDevices', `lsblk: ${name}: size ${JSON.stringify(o.size)}`);
  const opt = (k: string) => {
    const v = str('blockDevices', o, k);
    return v ? { [k === 'fstype' ? 'fsType' : k === 'mountpoint' ? 'mountPoint' : k]: v } : {};
  };
  return {
    name,
    path: str('blockDevices', o, 'path') ?? `/dev/${name}`,
    type: str('blockDevices', o, 'type') ?? 'unknown',
    sizeBytes: size,
    readOnly: flag(o.ro),
    removable: flag(o.rm),
    ...opt('fstype'),
    ...opt('uuid'),
    ...opt('label'),
    ...opt('mountpoint'),
    children: objects('blockDevices', `lsblk: ${name}'s children`, o.children ?? []).map(device),
  };
}

/** The blockDevices fact from `lsblk -J -b -o ...`'s output. */
export function parseLsblk(text: string): BlockDevice[] {
  const v = json('blockDevices', 'lsblk -J', text) as { blockdevices?: unknown };
  if (typeof v !== 'object' || v === null || !('blockdevices' in v))
    throw new FactError('blockDevices', 'lsblk -J: no "blockdevices" list');
  return objects('blockDevices', 'lsblk -J blockdevices', v.blockdevices).map(device);
}

export const blockDevicesFact: FactProbe<BlockDevice[]> = {
  sections: ['blockDevices.lsblk'],
  build: (frame) => frame.section('blockDevices.lsblk', sh`lsblk -J -b -o ${COLUMNS}`),
  parse: (s) => parseLsblk(okText(s, 'blockDevices', 'blockDevices.lsblk', `lsblk -J -b -o ${COLUMNS}`)),
};
