// SSH keys of a lab: the root key pair (per instance) and per-node host keys (cached per node name, machine side).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { layerCacheDir } from './paths.ts';
import type { HostPublicKeys } from './render.ts';
import { mustRun } from './run.ts';

export type HostKeyType = 'ed25519' | 'rsa';
export const hostKeyTypes: readonly HostKeyType[] = ['ed25519', 'rsa'];

/** Generates a key pair at file (+ .pub) unless it exists; atomic, so concurrent labs never read half a key. */
export async function ensureKeyPair(file: string, type: HostKeyType, comment: string): Promise<void> {
  if (existsSync(file) && existsSync(file + '.pub')) return;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await mustRun([
    'ssh-keygen',
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '2048'] : []),
    '-N',
    '',
    '-C',
    comment,
    '-f',
    tmp,
  ]);
  renameSync(tmp + '.pub', file + '.pub');
  renameSync(tmp, file);
  rmSync(tmp, { force: true });
}

/**
 * Host keys of node `short`: generated once per node name and reused by every lab (RSA generation costs
 * ~0.15 s of CPU; 50 fresh hosts would spend seconds on it). Each lab writes its own known_hosts.
 */
export function hostKeyDir(short: string): string {
  return path.join(layerCacheDir, 'hostkeys', short);
}

export async function ensureHostKeys(
  shorts: readonly string[],
  fqdn: (s: string) => string,
): Promise<HostPublicKeys[]> {
  const jobs = shorts.flatMap((s) => hostKeyTypes.map((t) => ({ s, t })));
  // Two at a time: the machine has 2 cores shared with others.
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { s, t } = jobs[next++];
      await ensureKeyPair(path.join(hostKeyDir(s), `ssh_host_${t}_key`), t, `root@${fqdn(s)}`);
    }
  };
  await Promise.all([worker(), worker()]);
  return shorts.map((s) => ({
    ed25519: readFileSync(path.join(hostKeyDir(s), 'ssh_host_ed25519_key.pub'), 'utf8'),
    rsa: readFileSync(path.join(hostKeyDir(s), 'ssh_host_rsa_key.pub'), 'utf8'),
  }));
}
