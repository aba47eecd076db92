// Test fixture: a real OpenSSH server on 127.0.0.1 (free port, temp host keys, an authorized client key).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSshTransport } from '../../core/ssh/ssh-transport.ts';
import type { Transport } from '../../core/transport/transport.ts';

export interface Sshd {
  port: number;
  dir: string;
  /** Private key authorized for root (and any user created with this authorized_keys file). */
  keyFile: string;
  /** known_hosts with the server's ed25519 and rsa keys under `[127.0.0.1]:port`. */
  knownHostsFile: string;
  /** Public host key lines ("ssh-ed25519 AAAA..."), ed25519 first. */
  hostKeyPub: string[];
  authorizedKeysFile: string;
  /** Kills the per-connection sshd processes (by pid): open sessions drop, the listener stays. */
  killSessions(): void;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once the server sends its SSH banner. */
async function waitForBanner(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}:\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('SSH-'));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not answer on port ${port}:\n${log()}`);
}

/** Children of `pid` (read from /proc): the per-connection sshd processes of our listener. */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export async function startSshd(): Promise<Sshd> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'drover-sshd-'));
  // sshd reads authorized_keys with the user's rights: other test users must be able to reach it.
  chmodSync(dir, 0o755);
  const keygen = (file: string, type: string) =>
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'drover-test', '-f', file]);
  keygen(join(dir, 'host_ed25519'), 'ed25519');
  keygen(join(dir, 'host_rsa'), 'rsa');
  const keyFile = join(dir, 'client_ed25519');
  keygen(keyFile, 'ed25519');
  const authorizedKeysFile = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeysFile, readFileSync(keyFile + '.pub'), { mode: 0o644 });
  const port = await freePort();
  const hostKeyPub = ['host_ed25519', 'host_rsa'].map((k) =>
    readFileSync(join(dir, k + '.pub'), 'utf8')
      .trim()
      .split(/\s+/)
      .slice(0, 2)
      .join(' '),
  );
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, hostKeyPub.map((k) => `[127.0.0.1]:${port} ${k}\n`).join(''));
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      `HostKey ${join(dir, 'host_rsa')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeysFile}`,
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'MaxSessions 20',
      'MaxStartups 50',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-8000)));
  try {
    await waitForBanner(port, child, () => log);
  } catch (e) {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const killSessions = () => {
    if (!child.pid) return;
    // Descendants too: the session's shell and whatever it started.
    const all: number[] = [];
    const walk = (pid: number) => childPids(pid).forEach((c) => (all.push(c), walk(c)));
    walk(child.pid);
    for (const pid of all) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  return {
    port,
    dir,
    keyFile,
    knownHostsFile,
    hostKeyPub,
    authorizedKeysFile,
    killSessions,
    async stop() {
      killSessions();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** drover's SSH transport to `sshd` as root with its key, host key checked against its known_hosts. */
export function openTransportTo(sshd: Sshd, name = 'testhost'): Promise<Transport> {
  return openSshTransport(
    {
      kind: 'ssh',
      address: '127.0.0.1',
      port: sshd.port,
      user: 'root',
      keyFiles: [sshd.keyFile],
      agent: false,
      become: false,
      connectTimeout: 5,
    },
    { knownHostsFiles: [sshd.knownHostsFile], acceptNew: false },
    { name },
  );
}
