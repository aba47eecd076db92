// The floor a runner cannot beat: open one SSH connection per host, then per task one bare round trip on a long-lived `sh`.
//
// Uses ssh2 directly (no drover code), verifying host keys against the lab's known_hosts like the runners do.
// All hosts run in parallel, as a runner with forks = hosts would. Prints one JSON object on stdout.
//
// Usage: node --import=tsx bench/floor.ts (bench/run.ts runs it compiled: bench/out/floor.mjs) --hosts HOSTS.json --key KEYFILE --known-hosts FILE --tasks N
//   HOSTS.json: [{ "name": "node1.example.org", "address": "10.88.0.11", "port": 22 }, ...]
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { parseArgs } from 'node:util';

// The parts of ssh2's API used here (the package ships no types and @types/ssh2 is not a dependency).
interface ClientChannel extends Duplex {
  stdout: Duplex;
}
interface Client {
  once(event: 'ready', fn: () => void): this;
  once(event: 'error', fn: (err: Error) => void): this;
  connect(config: Record<string, unknown>): void;
  exec(command: string, callback: (err: Error | undefined, channel: ClientChannel) => void): void;
  end(): void;
}
const { Client } = createRequire(import.meta.url)('ssh2') as { Client: new () => Client };

interface Target {
  name: string;
  address: string;
  port: number;
  /** This host's private key file (a fleet of several labs has one key per lab); default --key. */
  key?: string;
}

/** Base64 key blobs known_hosts lists for `address` (plain, [address]:port, or hashed |1| entries). */
export function knownKeys(knownHosts: string, address: string, port: number): string[] {
  const names = port === 22 ? [address] : [`[${address}]:${port}`];
  const keys: string[] = [];
  for (const line of knownHosts.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3 || fields[0].startsWith('#')) continue;
    const matches = fields[0].split(',').some((pattern) => {
      if (pattern.startsWith('|1|')) {
        const [, , salt, hash] = pattern.split('|');
        return names.some((n) => createHmac('sha1', Buffer.from(salt, 'base64')).update(n).digest('base64') === hash);
      }
      return names.includes(pattern);
    });
    if (matches) keys.push(fields[2]);
  }
  return keys;
}

function connectOne(target: Target, privateKey: Buffer, knownHosts: string): Promise<Client> {
  const allowed = knownKeys(knownHosts, target.address, target.port);
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client));
    client.once('error', (err) => reject(new Error(`${target.name}: ${err.message}`)));
    client.connect({
      host: target.address,
      port: target.port,
      username: 'root',
      privateKey,
      // Hundreds of simultaneous handshakes share 2 cores: the floor waits for them (it has no pacing of its own).
      readyTimeout: 300_000,
      hostVerifier: (key: Buffer) => allowed.includes(key.toString('base64')),
    });
  });
}

function openShell(client: Client): Promise<ClientChannel> {
  return new Promise((resolve, reject) => client.exec('sh', (err, channel) => (err ? reject(err) : resolve(channel))));
}

/** Writes `true` followed by an end marker and resolves when the marker comes back: one bare round trip. */
function roundTrip(channel: ClientChannel, n: number): Promise<void> {
  const marker = `__floor_${n}__`;
  return new Promise((resolve) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(marker)) {
        channel.stdout.off('data', onData);
        resolve();
      }
    };
    channel.stdout.on('data', onData);
    channel.write(`true; echo ${marker} $?\n`);
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor((s.length - 1) / 2)];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string' },
      key: { type: 'string' },
      'known-hosts': { type: 'string' },
      tasks: { type: 'string' },
    },
  });
  if (!values.hosts || !values.key || !values['known-hosts'] || !values.tasks) {
    throw new Error('usage: floor.ts --hosts HOSTS.json --key KEYFILE --known-hosts FILE --tasks N');
  }
  const targets = JSON.parse(readFileSync(values.hosts, 'utf8')) as Target[];
  const keys = new Map<string, Buffer>();
  const keyOf = (t: Target) => {
    const file = t.key ?? values.key!;
    if (!keys.has(file)) keys.set(file, readFileSync(file));
    return keys.get(file)!;
  };
  const knownHosts = readFileSync(values['known-hosts'], 'utf8');
  const tasks = Number(values.tasks);

  const started = performance.now();
  const perHost = await Promise.all(
    targets.map(async (target) => {
      const t0 = performance.now();
      const client = await connectOne(target, keyOf(target), knownHosts);
      const channel = await openShell(client);
      const connectMs = performance.now() - t0;
      const trips: number[] = [];
      for (let i = 0; i < tasks; i++) {
        const t = performance.now();
        await roundTrip(channel, i);
        trips.push(performance.now() - t);
      }
      return { client, channel, connectMs, trips };
    }),
  );
  const totalMs = performance.now() - started;
  for (const h of perHost) {
    h.channel.end('exit\n');
    h.client.end();
  }
  const result = {
    hosts: targets.length,
    tasks,
    totalMs: Math.round(totalMs * 10) / 10,
    connectMsMedian: Math.round(median(perHost.map((h) => h.connectMs)) * 10) / 10,
    connectMsMax: Math.round(Math.max(...perHost.map((h) => h.connectMs)) * 10) / 10,
    roundTripMsMedian: Math.round(median(perHost.flatMap((h) => h.trips)) * 100) / 100,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

await main();
