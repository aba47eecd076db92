// Per-command cost of running changing commands as jobs (issue 24) vs in the session as before: local shell, or
// a lab host (`node --import=tsx bench/job-cost.ts [ADDRESS KEYFILE KNOWN_HOSTS]`); alternating, medians.
import { RunHost } from '../core/host.ts';
import { sh } from '../core/sh.ts';
import { openTransport } from '../core/transport/connection.ts';
import { openLocalTransport } from '../core/transport/local-transport.ts';

const [address, keyFile, knownHosts] = process.argv.slice(2);
const N = Number(process.env.N ?? 50);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

const host = new RunHost<Record<string, unknown>>({
  name: address ?? 'localhost',
  vars: {},
  groups: [],
  check: false,
  events: { emit: () => undefined, end: async () => undefined },
  transport: () =>
    address
      ? openTransport(
          {
            kind: 'ssh',
            address,
            port: 22,
            user: 'root',
            keyFiles: [keyFile],
            agent: false,
            become: false,
            connectTimeout: 10,
          },
          { knownHostsFiles: [knownHosts], acceptNew: false },
          { name: address },
        )
      : openLocalTransport({ name: 'localhost' }),
});

type Kind = 'job' | 'session' | 'read-only';
// A raw exec outside any module is framed by default (core/host.ts): `job` asks for one explicitly, as a
// module's apply gets it by default; `session` is what --no-detach gives every command.
const opts: Record<Kind, object> = {
  job: { detach: true },
  session: { detach: false },
  'read-only': { readOnly: true },
};

/** ms per command for N commands of one kind; `print`: each prints a line. */
async function batch(kind: Kind, print: boolean): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < N; i++) await host.exec(print ? sh`echo x ${String(i)}` : sh`true ${String(i)}`, opts[kind]);
  return (performance.now() - start) / N;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
await host.exec(sh`true`, { readOnly: true });
for (const print of [false, true]) {
  const times: Record<Kind, number[]> = { job: [], session: [], 'read-only': [] };
  for (let r = 0; r < ROUNDS; r++) for (const k of Object.keys(times) as Kind[]) times[k].push(await batch(k, print));
  const line = (Object.keys(times) as Kind[]).map((k) => `${k} ${median(times[k]).toFixed(2)} ms`).join(', ');
  console.log(
    `${address ?? 'localhost'}, ${print ? '`echo x`' : '`true`'}, per command (median of ${ROUNDS} x ${N}): ${line}`,
  );
}
await host.close();
