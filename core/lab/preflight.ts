// Checks that this machine can run a lab (Linux, root, tools, overlayfs) and says exactly what is missing.
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';

/** Programs the lab runs on the machine, with the Debian package that has each. */
const tools: Record<string, string> = {
  ip: 'iproute2',
  nsenter: 'util-linux',
  unshare: 'util-linux',
  losetup: 'mount',
  flock: 'util-linux',
  'ssh-keygen': 'openssh-client',
  mknod: 'coreutils',
  truncate: 'coreutils',
  debootstrap: 'debootstrap',
  ssh: 'openssh-client',
};

function onPath(prog: string): boolean {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    try {
      accessSync(path.join(dir, prog), constants.X_OK);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

/** Why the lab cannot run here, or undefined when it can. `need` narrows the tools checked. */
export function labUnavailableReason(need: readonly string[] = Object.keys(tools)): string | undefined {
  if (process.platform !== 'linux') return `drover lab needs Linux (network namespaces, overlayfs); this is ${process.platform}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return 'drover lab needs root (it creates network namespaces, bridges and mounts): run it as root, e.g. with sudo';
  const missing = need.filter((t) => !onPath(t));
  if (missing.length) {
    const pkgs = [...new Set(missing.map((t) => tools[t] ?? t))];
    return `drover lab needs ${missing.join(', ')}: install with apt-get install ${pkgs.join(' ')}`;
  }
  try {
    if (!/\toverlay\n/.test(readFileSync('/proc/filesystems', 'utf8') + '\n')) return 'drover lab needs overlayfs in the kernel (modprobe overlay)';
  } catch {
    /* no /proc: the tool checks above already failed */
  }
  return undefined;
}

/** Debian packages that hold the lab's missing tools (empty when nothing is missing). */
export function missingLabPackages(need: readonly string[] = Object.keys(tools)): string[] {
  return [...new Set(need.filter((t) => !onPath(t)).map((t) => tools[t] ?? t))];
}

export function assertLabAvailable(need?: readonly string[]): void {
  const why = labUnavailableReason(need);
  if (why) throw new Error(why);
}

/** Tools needed to bring hosts up (debootstrap only when the base layer must be built). */
export const upTools = ['ip', 'nsenter', 'unshare', 'flock', 'ssh-keygen'];
export const downTools = ['ip', 'losetup'];
