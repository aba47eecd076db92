// Starts and stops lab hosts: per-node root files, the namespaced init process, waiting for sshd to answer.
import { copyFileSync, mkdirSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { hostKeyDir, hostKeyTypes } from './keys.ts';
import { layersSourceDir } from './paths.ts';
import { childPids, procStartTime, sleep } from './proc.ts';
import { mustRun } from './run.ts';
import { renderConfdNet } from './render.ts';
import { usesNetifrc, type LabHostState, type LabProfile, type LabRecord } from './types.ts';

/** How a profile's hosts run: sshd as PID 1 (base), systemd (debian), or openrc-init (eth0 set by the lab, or by netifrc). */
export type HostMode = 'sshd' | 'systemd' | 'openrc' | 'netifrc';

export function hostMode(profile: LabProfile): HostMode {
  if (profile === 'debian') return 'systemd';
  return profile === 'base' ? 'sshd' : usesNetifrc(profile) ? 'netifrc' : 'openrc';
}

/**
 * Processes between a host's launcher and its init: sshd hosts run under unshare itself; OpenRC hosts under
 * host-supervisor.sh, which runs unshare again for each boot (a host can reboot), so their init is a grandchild.
 */
function initDepth(mode: HostMode): number {
  return mode === 'sshd' ? 1 : 2;
}

/** The running init of a host, found from its launcher (undefined while none runs: starting, rebooting, down). */
export function currentInit(launcher: number, mode: HostMode): number | undefined {
  let pid = launcher;
  for (let i = 0; i < initDepth(mode); i++) {
    const kids = childPids(pid);
    if (kids.length !== 1) return undefined;
    pid = kids[0];
  }
  return pid;
}

export function nodeDir(rec: LabRecord, short: string): string {
  return path.join(rec.dir, 'nodes', short);
}

/**
 * Writes the files that make a host itself (top overlay layer): hostname, /etc/hosts, host keys,
 * root's authorized key and the lab key pair (so nodes can ssh to each other as root), all nodes' host keys.
 */
export function writeNodeFiles(
  rec: LabRecord,
  h: LabHostState,
  files: { etcHosts: string; knownHosts: string; authorizedKey: string; privateKey: string },
): string {
  const top = path.join(nodeDir(rec, h.short), 'files');
  const dir = (rel: string, mode: number) => {
    mkdirSync(path.join(top, rel), { recursive: true });
    chmodSync(path.join(top, rel), mode);
  };
  const file = (rel: string, content: string, mode: number) => {
    writeFileSync(path.join(top, rel), content, { mode });
    chmodSync(path.join(top, rel), mode);
  };
  dir('etc', 0o755);
  dir('etc/ssh', 0o755);
  dir('root', 0o700);
  dir('root/.ssh', 0o700);
  file('etc/hostname', h.name + '\n', 0o644);
  file('etc/hosts', files.etcHosts, 0o644);
  // Lab hosts have no DNS: the machine's resolver (copied in by debootstrap) is unreachable from
  // here and made every name lookup that misses /etc/hosts wait for its timeout (~20 s).
  file('etc/resolv.conf', '# drover lab: no DNS; names come from /etc/hosts\noptions timeout:1 attempts:1\n', 0o644);
  file('etc/ssh/ssh_known_hosts', files.knownHosts, 0o644);
  for (const t of hostKeyTypes) {
    copyFileSync(path.join(hostKeyDir(h.short), `ssh_host_${t}_key`), path.join(top, `etc/ssh/ssh_host_${t}_key`));
    chmodSync(path.join(top, `etc/ssh/ssh_host_${t}_key`), 0o600);
    copyFileSync(
      path.join(hostKeyDir(h.short), `ssh_host_${t}_key.pub`),
      path.join(top, `etc/ssh/ssh_host_${t}_key.pub`),
    );
    chmodSync(path.join(top, `etc/ssh/ssh_host_${t}_key.pub`), 0o644);
  }
  if (usesNetifrc(rec.profile)) {
    // netifrc's net.eth0 owns the host's address, as on a Gentoo node (host-init.sh leaves eth0 alone).
    dir('etc/conf.d', 0o755);
    file('etc/conf.d/net', renderConfdNet(rec, h), 0o644);
  }
  file('root/.ssh/authorized_keys', files.authorizedKey, 0o600);
  file('root/.ssh/id_ed25519', files.privateKey, 0o600);
  file('root/.ssh/id_ed25519.pub', files.authorizedKey, 0o644);
  return top;
}

/**
 * Starts hosts: each is nsenter into its netns, unshare of mount/UTS/PID namespaces, host-init.sh as PID 1
 * (OpenRC hosts: under host-supervisor.sh, which boots the host again after a reboot).
 * Returns the launcher PIDs in host order (unshare, or the supervisor): see currentInit.
 */
export async function launchHosts(
  rec: LabRecord,
  hosts: readonly LabHostState[],
  lowerRootsTopFirst: readonly string[],
  mode: HostMode,
): Promise<number[]> {
  const lines = hosts.map((h) => {
    const dir = nodeDir(rec, h.short);
    const fields = [
      h.netns,
      dir,
      [path.join(dir, 'files'), ...lowerRootsTopFirst].join(':'),
      `${h.address}/24`,
      rec.gateway,
      h.name,
      mode,
      path.join(dir, 'console.log'),
    ];
    if (fields.some((f) => /[\t\n]/.test(f)))
      throw new Error(`lab ${rec.name}: a path contains a tab or newline: ${fields.join(' ')}`);
    return fields.join('\t') + '\n';
  });
  // A clean environment: hosts must not inherit this machine's (PATH, pyenv, ...).
  const out = await mustRun(['bash', path.join(layersSourceDir, 'launch-hosts.sh')], {
    stdin: lines.join(''),
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', TERM: 'dumb' },
  });
  const pids = out.trim().split('\n').filter(Boolean).map(Number);
  if (pids.length !== hosts.length || pids.some((p) => !Number.isInteger(p) || p <= 0))
    throw new Error(`lab ${rec.name}: starting hosts printed ${JSON.stringify(out)}`);
  return pids;
}

/** Waits until the launcher has started the host's init; returns its PID. */
export async function waitForInit(launcher: number, mode: HostMode, host: string, deadline: number): Promise<number> {
  for (;;) {
    const init = currentInit(launcher, mode);
    if (init !== undefined) return init;
    if (procStartTime(launcher) === undefined) throw new Error(`lab host ${host} exited while starting`);
    if (Date.now() > deadline) throw new Error(`lab host ${host} did not start in time`);
    await sleep(5);
  }
}

/** True once something on address:22 sends an SSH banner. */
function sshBanner(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port: 22 });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('data', (d) => done(d.toString().startsWith('SSH-')));
    sock.once('error', () => done(false));
  });
}

/** True when something listens on TCP port 22 in the netns of pid (read from /proc: no packets, no ARP wait). */
export function listensOn22(pid: number): boolean {
  for (const f of ['tcp', 'tcp6']) {
    try {
      // Columns: sl local_address rem_address st ...; port 22 = 0016, LISTEN = 0A.
      if (/^\s*\d+: [0-9A-F]+:0016 [0-9A-F]+:0000 0A /m.test(readFileSync(`/proc/${pid}/net/${f}`, 'utf8')))
        return true;
    } catch {
      /* process gone: caller notices */
    }
  }
  return false;
}

/** Waits until the host's sshd answers; fails early (with the console log) if the host died. */
export async function waitForSsh(rec: LabRecord, h: LabHostState, deadline: number): Promise<void> {
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    // Connecting before the host's eth0 is configured would wait ~1 s for ARP; ask /proc first.
    if (listensOn22(h.pid) && (await sshBanner(h.address))) return;
    const dead = procStartTime(h.pid) === undefined;
    if (dead || Date.now() > deadline) {
      let tail = '';
      try {
        tail = readFileSync(path.join(nodeDir(rec, h.short), 'console.log'), 'utf8')
          .trim()
          .split('\n')
          .slice(-10)
          .join('\n');
      } catch {
        /* no log */
      }
      throw new Error(
        `lab host ${h.name} ${dead ? 'died while starting' : 'did not answer on port 22 in time'}${tail ? `; its console:\n${tail}` : ''}`,
      );
    }
    await sleep(delay);
  }
}
