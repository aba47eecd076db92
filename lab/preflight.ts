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
  iptables: 'iptables',
  // delay-queue.py runs under the system python (a user's pyenv shim may not be there for root).
  '/usr/bin/python3': 'python3',
};

/** Whether `prog` can be run: an absolute path as is, a name on PATH or in /usr/sbin, /sbin (root's tools). */
export function onPath(prog: string): boolean {
  if (prog.startsWith('/')) {
    try {
      accessSync(prog, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }
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

/** Every tool but the delay's (checked by `drover lab delay` itself, which installs them): the default check. */
const labTools = Object.keys(tools).filter((t) => t !== 'iptables' && !t.startsWith('/'));

/** Why the lab cannot run here, or undefined when it can. `need` narrows the tools checked. */
export function labUnavailableReason(need: readonly string[] = labTools): string | undefined {
  if (process.platform !== 'linux')
    return `drover lab needs Linux (network namespaces, overlayfs); this is ${process.platform}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return 'drover lab needs root (it creates network namespaces, bridges and mounts): run it as root, e.g. with sudo';
  const missing = need.filter((t) => !onPath(t));
  if (missing.length) {
    const pkgs = [...new Set(missing.map((t) => tools[t] ?? t))];
    return `drover lab needs ${missing.join(', ')}: install with apt-get install ${pkgs.join(' ')}`;
  }
  try {
    if (!/\toverlay\n/.test(readFileSync('/proc/filesystems', 'utf8') + '\n'))
      return 'drover lab needs overlayfs in the kernel (modprobe overlay)';
  } catch {
    /* no /proc: the tool checks above already failed */
  }
  return undefined;
}

/** Debian packages that hold the lab's missing tools (empty when nothing is missing). */
export function missingLabPackages(need: readonly string[] = labTools): string[] {
  return [...new Set(need.filter((t) => !onPath(t)).map((t) => tools[t] ?? t))];
}

/** What to do about the tools a lab command needs (see toolPlan). */
export type ToolPlan = { kind: 'ready' } | { kind: 'install'; packages: string[] } | { kind: 'fail'; message: string };

/**
 * Decides, without touching anything, what a lab command (`what`, e.g. "the delay") does about its
 * tools: nothing when all are there; install their Debian packages with apt-get when it can (root, apt-get
 * present), as `drover demo` does; else one line saying what is missing and how to get it.
 */
export function toolPlan(
  what: string,
  need: readonly string[],
  has: (tool: string) => boolean,
  can: { root: boolean; apt: boolean },
): ToolPlan {
  const missing = need.filter((t) => !has(t));
  if (!missing.length) return { kind: 'ready' };
  const packages = [...new Set(missing.map((t) => tools[t] ?? t))];
  if (can.root && can.apt) return { kind: 'install', packages };
  return {
    kind: 'fail',
    message: missingToolsLine(
      what,
      missing,
      packages,
      can.apt ? 'installing them needs root' : 'apt-get is not available here',
    ),
  };
}

/** The one line for tools that are missing and were not (or could not be) installed. */
export function missingToolsLine(
  what: string,
  missing: readonly string[],
  packages: readonly string[],
  why: string,
): string {
  return `${what} needs ${missing.join(', ')} (Debian package ${packages.join(', ')}); ${why}: install ${packages.join(' ')} and run it again`;
}

export function assertLabAvailable(need?: readonly string[]): void {
  const why = labUnavailableReason(need);
  if (why) throw new Error(why);
}

/** Tools needed to bring hosts up (debootstrap only when the base layer must be built). */
export const upTools = ['ip', 'nsenter', 'unshare', 'flock', 'ssh-keygen'];
export const downTools = ['ip', 'losetup'];
/** Tools `drover lab delay` runs: nsenter into the host, iptables for the NFQUEUE rules, python for the queue. */
export const delayTools = ['nsenter', 'iptables', '/usr/bin/python3'];
