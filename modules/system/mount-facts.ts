// mount's facts: one probe reading /proc/self/mountinfo (what is mounted where), the fstab, the mount point and the source device.
import { probe } from '../../core/module.ts';
import { ProbeFormatError, type ProbeSections } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';
import { fileSections, probeCall, readFileProbe, type FileState } from '../shared/remote-file.ts';

/** One line of /proc/self/mountinfo (proc(5)), octal escapes decoded. */
export interface MountInfo {
  /** Decimal "major:minor" of the mounted device (0:N for a filesystem with no device: tmpfs, proc). */
  majMin: string;
  mountPoint: string;
  /** Per-mount options: rw,relatime,... */
  options: string;
  fstype: string;
  /** What was mounted as the kernel recorded it: /dev/vdb, tmpfs, server:/export. */
  source: string;
}

/** What mount decides from. */
export interface MountFacts {
  /** The top mount at the path (the last one: a later mount hides the earlier), undefined when nothing is mounted there. */
  mounted?: MountInfo;
  fstab: FileState;
  /** The mount point is a directory. */
  dirExists: boolean;
  /** Decimal major:minor of `src` when it is (or UUID=/LABEL= names, via findfs) a block device on the host: mountinfo may name it otherwise. */
  srcDevice?: string;
}

export const DEFAULT_FSTAB = '/etc/fstab';

/** Decodes the \NNN octal escapes mountinfo and fstab use for space, tab, newline and backslash. */
export function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** Every mount of /proc/self/mountinfo, in order (strict: a line of another shape is a ProbeFormatError). */
export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (sep < 0 || f.length < sep + 4 || !/^\d+:\d+$/.test(f[2]))
      throw new ProbeFormatError(`not a mountinfo line: ${JSON.stringify(line.slice(0, 120))}`);
    out.push({
      majMin: f[2],
      mountPoint: unescapeOctal(f[4]),
      options: f[5],
      fstype: f[sep + 1],
      source: unescapeOctal(f[sep + 2]),
    });
  }
  return out;
}

export function mountSections(): string[] {
  return ['mountinfo', 'dir', 'srcdev', ...fileSections('fstab')];
}

/** stat's hex "major minor" of a block device → decimal "major:minor" (mountinfo's form). */
export function parseDevice(s: ProbeSections): string | undefined {
  if (s.status('srcdev') !== 0) return undefined;
  const m = /^([0-9a-f]+) ([0-9a-f]+)\n$/.exec(s.text('srcdev'));
  if (!m) throw new ProbeFormatError(`stat printed ${JSON.stringify(s.text('srcdev').slice(0, 80))} for the source`);
  return `${Number.parseInt(m[1], 16)}:${Number.parseInt(m[2], 16)}`;
}

export const mountFacts = probe<{ path: string; src?: string; fstab?: string }, MountFacts>(
  (p, frame) =>
    ShellCommand.join([
      frame.section('mountinfo', sh`cat /proc/self/mountinfo`),
      frame.section('dir', sh`test -d ${p.path}`),
      // only a block device's numbers: a path to a file or an image is not what mountinfo records
      frame.section(
        'srcdev',
        p.src?.startsWith('/')
          ? sh`test -b ${p.src} && stat -L -c '%t %T' -- ${p.src}`
          : p.src && /^(UUID|LABEL|PARTUUID|PARTLABEL)=/.test(p.src)
            ? sh`d=$(findfs ${p.src} 2>/dev/null) && test -b "$d" && stat -L -c '%t %T' -- "$d"`
            : sh`false`,
      ),
      probeCall(frame, 'fstab', p.fstab ?? DEFAULT_FSTAB, { content: true, follow: true }),
    ]),
  (s, p) => {
    if (s.status('mountinfo') !== 0) throw new ProbeFormatError('cannot read /proc/self/mountinfo');
    const here = parseMountInfo(s.text('mountinfo')).filter((m) => m.mountPoint === p.path);
    return {
      mounted: here.at(-1),
      fstab: readFileProbe(s, 'fstab', p.fstab ?? DEFAULT_FSTAB),
      dirExists: s.status('dir') === 0,
      srcDevice: parseDevice(s),
    };
  },
  mountSections,
);
