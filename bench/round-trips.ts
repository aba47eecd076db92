// Round trips on one delayed host over drover's own channel: a printing command vs a silent one, N independent checks one by one vs at once (pipelined), and a changing command as a job vs framed.
import { RunHost } from '../core/host.ts';
import { sh } from '../core/sh.ts';
import { openSshTransport } from '../core/ssh/ssh-transport.ts';
import type { Transport } from '../core/transport/transport.ts';
import type { FleetHost } from './lab-hosts.ts';
import { median } from './stats.ts';

/** Medians over the rounds, ms for the whole batch of `commands` commands. */
export interface RoundTripRecord {
  host: string;
  delayMs: number;
  commands: number;
  rounds: number;
  /** `commands` x `true`, one after the other. */
  silentMs: number;
  /** `commands` x `echo x`, one after the other. */
  printingMs: number;
  /** `commands` independent read-only checks (`stat` of a file each), one after the other. */
  checksSequentialMs: number;
  /** The same checks started at once (Promise.all): written back to back, answered in order. */
  checksConcurrentMs: number;
  /** `commands` x `true` as changing commands run as jobs (what a module's apply gets by default), one after the other. */
  jobMs?: number;
  /** The same commands framed in the session (`--no-detach`), on the same connection, in the same rounds. */
  framedMs?: number;
}

/** `n` changing commands as jobs, then `n` framed, on one RunHost (jobs live in core/host.ts, not in a Transport). */
async function jobBatches(host: RunHost<Record<string, unknown>>, n: number): Promise<[number, number]> {
  const run = (detach: boolean) => async () => {
    for (let i = 0; i < n; i++) {
      const r = await host.exec(sh`true ${String(i)}`, { detach });
      if (r.code !== 0) throw new Error(`round-trip bench: true as ${detach ? 'a job' : 'framed'} exited ${r.code}`);
    }
  };
  return [await timed(run(true)), await timed(run(false))];
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Runs each batch once; throws if an answer is not what the command prints (a timing of wrong answers is worthless). */
async function batches(tr: Transport, n: number): Promise<[number, number, number, number]> {
  const expect = async (script: string, stdout: string) => {
    const r = await tr.run(script);
    if (r.code !== 0 || r.stdout.toString() !== stdout)
      throw new Error(`round-trip bench: ${script} answered ${r.code} ${JSON.stringify(r.stdout.toString())}`);
  };
  const check = (i: number) => expect(`stat -c %n /etc/hostname >/dev/null && echo ${i}`, `${i}\n`);
  const silent = await timed(async () => {
    for (let i = 0; i < n; i++) await expect('true', '');
  });
  const printing = await timed(async () => {
    for (let i = 0; i < n; i++) await expect('echo x', 'x\n');
  });
  const sequential = await timed(async () => {
    for (let i = 0; i < n; i++) await check(i);
  });
  const concurrent = await timed(() => Promise.all(Array.from({ length: n }, (_, i) => check(i))));
  return [silent, printing, sequential, concurrent];
}

/**
 * Measures on `host` (its delay already added): one SSH connection, one warm-up batch, then `rounds`
 * rounds of the four batches (the same connection, the same run, so ratios between them hold under load).
 */
export async function measureRoundTrips(
  host: FleetHost,
  knownHostsFile: string,
  delayMs: number,
  rounds = 5,
  commands = 10,
): Promise<RoundTripRecord> {
  const open = () =>
    openSshTransport(
      {
        kind: 'ssh',
        address: host.address,
        port: 22,
        user: 'root',
        keyFiles: [host.lab.keyFile],
        agent: false,
        become: false,
        connectTimeout: 30,
      },
      { knownHostsFiles: [knownHostsFile], acceptNew: false },
      { name: host.name },
    );
  const tr = await open();
  const runHost = new RunHost<Record<string, unknown>>({
    name: host.name,
    vars: {},
    groups: [],
    check: false,
    events: { emit: () => undefined, end: async () => undefined },
    transport: open,
  });
  try {
    await batches(tr, commands);
    await jobBatches(runHost, commands);
    const got: number[][] = [[], [], [], [], [], []];
    for (let r = 0; r < rounds; r++) {
      (await batches(tr, commands)).forEach((ms, i) => got[i].push(ms));
      (await jobBatches(runHost, commands)).forEach((ms, i) => got[4 + i].push(ms));
    }
    return {
      host: host.name,
      delayMs,
      commands,
      rounds,
      silentMs: median(got[0]),
      printingMs: median(got[1]),
      checksSequentialMs: median(got[2]),
      checksConcurrentMs: median(got[3]),
      jobMs: median(got[4]),
      framedMs: median(got[5]),
    };
  } finally {
    await tr.close();
    await runHost.close();
  }
}
