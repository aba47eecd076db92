// The machine side of a lab's network: one bridge, one veth per host into its netns; built and torn down by `ip -batch`.
import { runProgram, mustRun } from './run.ts';
import type { LabState } from './types.ts';

/** ip -batch lines creating the bridge, the namespaces and veth pairs (peer is eth0 inside each netns). */
export function networkUpBatch(state: LabState): string {
  const lines = [
    `link add ${state.bridge} type bridge forward_delay 0`,
    `addr add ${state.gateway}/24 dev ${state.bridge}`,
    `link set ${state.bridge} up`,
  ];
  for (const h of state.hosts) {
    lines.push(`netns add ${h.netns}`);
    lines.push(`link add ${h.veth} type veth peer name eth0 netns ${h.netns}`);
    lines.push(`link set ${h.veth} master ${state.bridge} up`);
  }
  return lines.join('\n') + '\n';
}

/**
 * ip -batch lines deleting the namespaces and the bridge by their recorded names (run with -force: missing ones are fine).
 * The veths go with their namespaces: the kernel destroys them in one batch (~0.2 s for 50), where deleting
 * each veth by name costs a network synchronisation apiece (~1.5 s for 50).
 */
export function networkDownBatch(state: LabState): string {
  const lines = state.hosts.map((h) => `netns del ${h.netns}`);
  lines.push(`link del ${state.bridge}`);
  return lines.join('\n') + '\n';
}

/** Names of the network links on this machine. */
export async function linkNames(): Promise<Set<string>> {
  const out = (await runProgram(['ip', '-o', 'link', 'show'])).stdout;
  return new Set([...out.matchAll(/^\d+: ([^:@\s]+)[@:]/gm)].map((m) => m[1]));
}

export async function networkUp(state: LabState): Promise<void> {
  await mustRun(['ip', '-batch', '-'], { stdin: networkUpBatch(state) });
}

export async function networkDown(state: LabState): Promise<void> {
  // Errors are "does not exist" for resources a crashed `up` never made; what remains is checked by the caller.
  await runProgram(['ip', '-force', '-batch', '-'], { stdin: networkDownBatch(state) });
  // Namespace cleanup is asynchronous in the kernel: wait for the veths to go, then delete any left by name.
  const deadline = Date.now() + 5_000;
  for (;;) {
    const present = await linkNames();
    const left = state.hosts.map((h) => h.veth).filter((v) => present.has(v));
    if (!left.length) return;
    if (Date.now() > deadline) {
      await runProgram(['ip', '-force', '-batch', '-'], { stdin: left.map((v) => `link del ${v}\n`).join('') });
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Third octets of 10.88.K.0/24 networks this machine already has routes for (not to be handed out again). */
export async function busySubnets(): Promise<Set<number>> {
  const out = (await runProgram(['ip', '-4', 'route', 'show'])).stdout;
  const busy = new Set<number>();
  for (const m of out.matchAll(/^10\.88\.(\d+)\./gm)) busy.add(Number(m[1]));
  return busy;
}

export async function setLink(veth: string, up: boolean): Promise<void> {
  await mustRun(['ip', 'link', 'set', veth, up ? 'up' : 'down']);
}
