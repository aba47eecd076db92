// Reads and writes an instance's state.json (atomically) and hands out per-instance /24 subnets.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../core/boot/write-atomic.ts';
import { currentInit, hostMode } from './hosts.ts';
import { instanceDir, stateRoot } from './paths.ts';
import { isOurProcess, procStartTime } from './proc.ts';
import type { LabRecord } from './types.ts';

export function statePath(name: string): string {
  return path.join(instanceDir(name), 'state.json');
}

export function readRecord(name: string): LabRecord | undefined {
  const file = statePath(name);
  if (!existsSync(file)) return undefined;
  let rec: LabRecord;
  try {
    rec = JSON.parse(readFileSync(file, 'utf8')) as LabRecord;
  } catch (err) {
    throw new Error(`cannot read lab state ${file}: ${(err as Error).message}`);
  }
  followReboots(rec);
  return rec;
}

/**
 * A host that rebooted runs a new init (host-supervisor.sh booted it again), not the one `up` recorded.
 * The current one is found under the recorded launcher (its start time checked), never guessed, so
 * `status`, `labExec` and `down` see the host that runs now. A host that is rebooting keeps its old entry.
 */
function followReboots(rec: LabRecord): void {
  const mode = hostMode(rec.profile);
  if (mode === 'sshd') return; // sshd hosts cannot reboot
  for (const h of rec.hosts) {
    const launcher = rec.launchers.find((l) => l.host === h.name);
    if (!launcher || !isOurProcess(launcher.pid, launcher.startTime)) continue;
    const init = currentInit(launcher.pid, mode);
    const started = init === undefined ? undefined : procStartTime(init);
    if (init === undefined || started === undefined) continue;
    h.pid = init;
    rec.hostStartTimes[h.name] = started;
  }
}

/** Written before each resource is created, so `down` after a crash knows every name to delete. */
export function writeRecord(rec: LabRecord): void {
  mkdirSync(rec.dir, { recursive: true, mode: 0o700 });
  writeFileAtomicSync(statePath(rec.name), JSON.stringify(rec, null, 2) + '\n', 0o644);
}

/** Names of instances with a state dir. */
export function listInstances(): string[] {
  if (!existsSync(stateRoot)) return [];
  return readdirSync(stateRoot, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

const claimsDir = () => path.join(stateRoot, '.subnets');

/**
 * Claims a free 10.88.K.0/24 for an instance (mkdir is the atomic claim, so two `up`s at once never share one).
 * `busy` lists third octets the machine already routes; a claim whose owner has no state dir is stale and reused.
 */
export function claimSubnet(name: string, busy: ReadonlySet<number>): number {
  mkdirSync(claimsDir(), { recursive: true });
  for (const k of readdirSync(claimsDir())) {
    const owner = path.join(claimsDir(), k, 'owner');
    if (existsSync(owner) && readFileSync(owner, 'utf8').trim() === name) return Number(k);
  }
  for (let k = 1; k <= 254; k++) {
    if (busy.has(k)) continue;
    const dir = path.join(claimsDir(), String(k));
    try {
      mkdirSync(dir);
    } catch {
      if (!claimIsStale(dir)) continue;
      rmSync(dir, { recursive: true, force: true });
      try {
        mkdirSync(dir);
      } catch {
        continue;
      }
    }
    writeFileSync(path.join(dir, 'owner'), name + '\n');
    return k;
  }
  throw new Error('no free lab subnet in 10.88.1.0/24 ... 10.88.254.0/24');
}

function claimIsStale(dir: string): boolean {
  const owner = path.join(dir, 'owner');
  if (!existsSync(owner)) return Date.now() - statSync(dir).mtimeMs > 10_000; // a claim being written right now is not stale
  return !existsSync(instanceDir(readFileSync(owner, 'utf8').trim()));
}

export function releaseSubnet(name: string, k: number): void {
  const dir = path.join(claimsDir(), String(k));
  const owner = path.join(dir, 'owner');
  if (existsSync(owner) && readFileSync(owner, 'utf8').trim() === name) rmSync(dir, { recursive: true, force: true });
}
