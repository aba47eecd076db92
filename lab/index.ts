// The lab's programmatic API: real test hosts (netns + overlay root + OpenSSH) on this machine.
import { setLink } from './net.ts';
import { hostIndex } from './plan.ts';
import { readRecord } from './state.ts';
import { publicState } from './up.ts';
import type { LabState } from './types.ts';

export type { LabProfile, LabHostState, LabState } from './types.ts';
export { labUp } from './up.ts';
export { labDown } from './down.ts';
export { labDisk } from './disk.ts';
export { labExec } from './exec.ts';
export { labUnavailableReason } from './preflight.ts';

export async function labState(name = 'lab'): Promise<LabState | undefined> {
  const rec = readRecord(name);
  return rec ? publicState(rec) : undefined;
}

async function setHostLink(name: string, node: string, up: boolean): Promise<void> {
  const rec = readRecord(name);
  if (!rec) throw new Error(`lab ${name} is not up`);
  await setLink(rec.hosts[hostIndex(rec, node)].veth, up);
}

/** Makes a host unreachable (its machine-side veth goes down); connections time out. */
export function labCut(name: string, node: string): Promise<void> {
  return setHostLink(name, node, false);
}

export function labHeal(name: string, node: string): Promise<void> {
  return setHostLink(name, node, true);
}
