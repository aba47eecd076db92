// `lab up`: builds/reuses layers, records every resource before creating it, starts the hosts, waits for sshd.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { labDown, isRunning } from './down.ts';
import { ensureHostKeys, ensureKeyPair } from './keys.ts';
import { ensureLayers, portageDescription } from './layers.ts';
import { busySubnets, networkUp } from './net.ts';
import { instanceDir } from './paths.ts';
import { checkHostCount, checkLabName, domain, planLab } from './plan.ts';
import { assertLabAvailable, upTools } from './preflight.ts';
import { procStartTime } from './proc.ts';
import { hostMode, launchHosts, waitForInit, waitForSsh, writeNodeFiles } from './hosts.ts';
import { renderEtcHosts, renderInventory, renderKnownHosts, renderSshConfig } from './render.ts';
import { claimSubnet, readRecord, writeRecord } from './state.ts';
import type { LabProfile, LabRecord, LabState } from './types.ts';
import { labProfiles } from './types.ts';

export interface LabUpOptions {
  name?: string;
  hosts?: number;
  profile?: LabProfile;
  /** progress lines (layer builds); default: stderr */
  log?: (line: string) => void;
}

/** The public part of a record (what callers get; state.json holds more). */
export function publicState(rec: LabRecord): LabState {
  const {
    name,
    profile,
    dir,
    bridge,
    subnet,
    gateway,
    keyFile,
    knownHostsFile,
    sshConfigFile,
    inventoryFile,
    hosts,
    cluster,
  } = rec;
  return {
    name,
    profile,
    dir,
    bridge,
    subnet,
    gateway,
    keyFile,
    knownHostsFile,
    sshConfigFile,
    inventoryFile,
    hosts: hosts.map((h) => ({ ...h })),
    ...(cluster ? { cluster: { ...cluster } } : {}),
  };
}

export async function labUp(opts: LabUpOptions = {}): Promise<LabState> {
  const name = opts.name ?? 'lab';
  const count = opts.hosts ?? 3;
  const profile = opts.profile ?? 'base';
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  checkLabName(name);
  checkHostCount(count);
  if (!labProfiles.includes(profile))
    throw new Error(`bad lab profile ${JSON.stringify(profile)}: use ${labProfiles.join(', ')}`);
  assertLabAvailable(upTools);

  const existing = readRecord(name);
  if (existing) {
    if (existing.phase === 'up' && isRunning(existing))
      throw new Error(
        `lab ${name} is already up (${existing.hosts.length} ${existing.profile} hosts); run \`drover lab down --name ${name}\` first`,
      );
    // Leftovers of a crashed or killed `up`/host: clear them before reusing the names.
    await labDown(name);
  }

  // DROVER_LAB_DEBUG=1: timestamps of each step (where does `up` spend its time).
  const dbg = process.env.DROVER_LAB_DEBUG
    ? (m: string) => log(`drover lab: ${new Date().toISOString()} ${m}`)
    : () => undefined;
  dbg('start');
  const roots = await ensureLayers(profile, log);
  dbg('layers');
  const portage = portageDescription(profile);
  if (portage) log(`drover lab: ${name}: ${portage}`);
  const dir = instanceDir(name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const rec = planLab({
    name,
    hosts: count,
    profile,
    subnetIndex: claimSubnet(name, await busySubnets()),
    dir,
    layers: roots,
  });
  writeRecord(rec);
  try {
    await ensureKeyPair(rec.keyFile, 'ed25519', `drover-lab-${name}`);
    const hostKeys = await ensureHostKeys(
      rec.hosts.map((h) => h.short),
      (s) => `${s}.${domain}`,
    );
    const knownHosts = renderKnownHosts(rec, hostKeys);
    writeFileSync(rec.knownHostsFile, knownHosts, { mode: 0o644 });
    writeFileSync(rec.sshConfigFile, renderSshConfig(rec), { mode: 0o644 });
    writeFileSync(rec.inventoryFile, renderInventory(rec), { mode: 0o644 });
    const files = {
      etcHosts: renderEtcHosts(rec),
      knownHosts,
      authorizedKey: readFileSync(rec.keyFile + '.pub', 'utf8'),
      privateKey: readFileSync(rec.keyFile, 'utf8'),
    };
    for (const h of rec.hosts) writeNodeFiles(rec, h, files);

    dbg('files');
    await networkUp(rec);
    dbg('network');
    const mode = hostMode(profile);
    const launchers = await launchHosts(rec, rec.hosts, roots, mode);
    rec.hosts.forEach((h, i) =>
      rec.launchers.push({ host: h.name, pid: launchers[i], startTime: procStartTime(launchers[i]) }),
    );
    writeRecord(rec);
    dbg('launched');

    // OpenRC boots take longer than a bare sshd, and many hosts share 2 cores.
    const deadline = Date.now() + (mode === 'sshd' ? 30_000 : 90_000) + count * 500;
    await Promise.all(
      rec.hosts.map(async (h, i) => {
        h.pid = await waitForInit(rec.launchers[i].pid, mode, h.name, deadline);
        rec.hostStartTimes[h.name] = procStartTime(h.pid) ?? '';
      }),
    );
    writeRecord(rec);
    dbg('inits');
    await Promise.all(rec.hosts.map((h) => waitForSsh(rec, h, deadline)));
    dbg('ssh');
    rec.phase = 'up';
    writeRecord(rec);
    return publicState(rec);
  } catch (err) {
    await labDown(name).catch(() => undefined);
    throw err;
  }
}
