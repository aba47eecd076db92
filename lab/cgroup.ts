// The cgroup2 directories of systemd lab hosts (made by lab/layers/cgroup-enter.sh): found and removed by `lab down`.
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import path from 'node:path';

/** Where this machine mounts its cgroup2 hierarchy (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid one), if anywhere. */
export function cgroup2Root(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (sep > 0 && f[sep + 1] === 'cgroup2') return f[4].replace(/\\040/g, ' ');
  }
  return undefined;
}

/** Removes a host's cgroup directory, children first (empty once its processes are gone; rmdir is all cgroupfs allows). */
function removeTree(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(path.join(dir, e.name));
  // A killed process leaves its cgroup a moment after it left /proc: EBUSY until then.
  for (let i = 0; ; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || i >= 50) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** Removes the cgroup directories of the given hosts (by netns name); nothing to do for hosts that had none. */
export function removeHostCgroups(netns: readonly string[]): void {
  const root = cgroup2Root();
  if (!root) return;
  for (const ns of netns) {
    const dir = path.join(root, 'drover-lab', ns);
    if (existsSync(dir)) removeTree(dir);
  }
}
