// What every gnt module shares: the state probe round trip, its errors, and checks of values bound for gnt-* command lines.
import { isIP } from 'node:net';
import { tail } from '../core/errors.ts';
import type { Host } from '../core/host.ts';
import { ProbeFrame } from '../core/probe-frame.ts';
import type { ShellCommand } from '../core/sh.ts';
import { CONFIG, gntProbe, GNT_SECTIONS, readGntProbe, type Probed } from './gnt-probe.ts';

/** Runs gntProbe with `then` (read-only) and reads its answer. */
export async function probe(host: Host<unknown>, then: ShellCommand): Promise<Probed> {
  const frame = new ProbeFrame();
  const r = await host.exec(gntProbe(frame, then), { readOnly: true });
  return readGntProbe(frame.parse(r.stdoutBytes, GNT_SECTIONS));
}

/** Refuses a secondary (DRBD network) address that is not an IP address. */
export function checkIp(value: string | undefined, where: string): void {
  if (value !== undefined && isIP(value) === 0) throw new Error(`${where} ${JSON.stringify(value)} is not an IP address`);
}

// Ganeti's names of OS definitions, disk templates and hypervisors: a word that cannot be an option.
const WORD = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;
export function checkWord(value: string, where: string): void {
  if (typeof value !== 'string' || !WORD.test(value)) throw new Error(`${where} ${JSON.stringify(value)} must be a name of letters, digits and '_.+-', not starting with '-'`);
}

/** Stops on a cluster that exists on disk but does not answer: re-initialising over it would destroy it. */
export function halfInitialised(host: Host<unknown>, p: Probed): Error {
  return new Error(
    `${host.name}: the Ganeti cluster is half-initialised: ${CONFIG} exists but \`${p.why}\` failed:\n${tail(p.out, 6)}\n` +
      `drover will not run gnt-cluster init over it. Start the daemons (rc-service ganeti restart) and check ` +
      `\`gnt-cluster getmaster\`, or remove the cluster on purpose (gnt-cluster destroy --yes-do-it) and run again.`,
  );
}

export function notMaster(host: Host<unknown>, p: Probed, what: string): Error {
  return new Error(`${host.name}: ${what} must run on the cluster master, which is ${p.master} (this host is ${p.self})`);
}

export function notInitialised(host: Host<unknown>, what: string): Error {
  return new Error(`${host.name}: ${what}: the Ganeti cluster is not initialised here (no ${CONFIG}); run gnt.cluster on the master first`);
}

export function notInstalled(host: Host<unknown>, what: string): Error {
  return new Error(`${host.name}: ${what}: gnt-cluster not found: Ganeti is not installed on this host`);
}
