// Issue 17: which SSH cipher ssh2 negotiates by default, and how fast each candidate streams a big payload.
// Per cipher and round: connect + auth (timed), then N MB of random bytes through `cat > /dev/null` on the
// host (timed from the exec until the channel closes), then disconnect. ssh2 is used directly (no drover
// session) so the numbers are the transport's alone.
//
// Usage: node --import=tsx bench/cipher.ts --host 10.88.1.11 --key /run/drover/lab/NAME/id_ed25519 [--mb 500] [--rounds 3]
//          [--ciphers default,chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com]
// `default` offers ssh2's own list (what drover offers unless it orders ciphers itself).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { parseArgs } from 'node:util';
import { median } from './stats.ts';

// ssh2 ships no type declarations: the parts used here.
interface Channel extends Duplex {
  stderr: NodeJS.ReadableStream;
}
interface Client {
  on(event: 'handshake', fn: (n: { cs: { cipher: string } }) => void): unknown;
  on(event: 'ready', fn: () => void): unknown;
  on(event: 'error', fn: (e: Error) => void): unknown;
  connect(cfg: Record<string, unknown>): unknown;
  exec(cmd: string, cb: (err: Error | undefined, ch: Channel) => void): boolean;
  end(): unknown;
}
const { Client } = createRequire(import.meta.url)('ssh2') as { Client: new () => Client };

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string', default: '22' },
    user: { type: 'string', default: 'root' },
    key: { type: 'string' },
    mb: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
    ciphers: {
      type: 'string',
      default: 'default,chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com',
    },
  },
});
if (!values.host || !values.key) throw new Error('--host and --key are required');
const key = readFileSync(values.key);
const mb = Number(values.mb);
const chunk = randomBytes(1 << 20); // the same MiB sent over and over: the cipher cost does not depend on the bytes

function connect(cipher: string): Promise<{ c: Client; seconds: number; negotiated: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const c = new Client();
    let negotiated = '?';
    c.on('handshake', (n) => (negotiated = n.cs.cipher));
    c.on('ready', () => resolve({ c, seconds: (performance.now() - t0) / 1000, negotiated }));
    c.on('error', reject);
    c.connect({
      host: values.host,
      port: Number(values.port),
      username: values.user,
      privateKey: key,
      readyTimeout: 20_000,
      ...(cipher === 'default' ? {} : { algorithms: { cipher: [cipher] } }),
    });
  });
}

function stream(c: Client): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    c.exec('cat > /dev/null', (err, ch) => {
      if (err) return reject(err);
      ch.on('close', (code: number) =>
        code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`cat exited ${code}`)),
      );
      ch.resume();
      ch.stderr.resume();
      let left = Math.round((mb * 1_000_000) / chunk.length);
      const pump = () => {
        while (left > 0) {
          left--;
          if (!ch.write(chunk)) return void ch.once('drain', pump);
        }
        ch.end();
      };
      pump();
    });
  });
}

const rows: string[] = [];
for (const cipher of values.ciphers!.split(',')) {
  const connects: number[] = [];
  const streams: number[] = [];
  let negotiated = '';
  for (let r = 0; r < Number(values.rounds); r++) {
    const { c, seconds, negotiated: n } = await connect(cipher);
    negotiated = n;
    connects.push(seconds);
    streams.push(await stream(c));
    c.end();
  }
  const s = median(streams);
  const sent = Math.round((mb * 1_000_000) / chunk.length) * chunk.length;
  rows.push(
    `| ${cipher} | ${negotiated} | ${(median(connects) * 1000).toFixed(0)} | ${s.toFixed(2)} | ${(sent / s / 1e6).toFixed(0)} |`,
  );
  console.error(
    `${cipher}: connect ${connects.map((x) => x.toFixed(3)).join(' ')} s; stream ${streams.map((x) => x.toFixed(2)).join(' ')} s`,
  );
}
console.log(
  `\n${mb} MB (${Math.round((mb * 1_000_000) / chunk.length)} MiB) through \`cat > /dev/null\`, ${values.rounds} rounds, medians\n`,
);
console.log('| offered | negotiated | connect+auth ms | stream s | MB/s |\n|---|---|---|---|---|');
console.log(rows.join('\n'));
