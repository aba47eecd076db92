// Which cipher drover's connections negotiate. On a CPU with AES instructions AES-GCM streams big files
// ~1.8x faster than chacha20-poly1305 (bench/cipher.ts: 447 against 243 MB/s to a lab host), and ssh2's
// default order already puts aes128-gcm@openssh.com first there. This pins it: the client's KEXINIT, read
// off the wire by a relay between drover and a real sshd, must offer AES-GCM first (the server takes the
// client's first cipher it knows) and still offer every cipher ssh2 offers by default (no server lost).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { openSshTransport } from '../../../core/ssh/ssh-transport.ts';
import { startSshd, type Sshd } from '../../support/sshd.ts';

const ssh2Defaults = (createRequire(import.meta.url)('ssh2/lib/protocol/constants.js') as { DEFAULT_CIPHER: string[] })
  .DEFAULT_CIPHER;
const cpuHasAes = /^flags\s*:.*\baes\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));

let sshd: Sshd;
let relay: Server;
let clientBytes = Buffer.alloc(0);

test.before(async () => {
  sshd = await startSshd();
  // Relays to sshd, keeping what the client sent (its banner, then its KEXINIT in clear).
  relay = createServer((c) => {
    const s = connect(sshd.port, '127.0.0.1');
    c.on('data', (d) => (clientBytes = Buffer.concat([clientBytes, d]).subarray(0, 64 * 1024)));
    c.pipe(s).pipe(c);
    c.on('error', () => s.destroy());
    s.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
});
test.after.always(async () => {
  relay?.close();
  await sshd?.stop();
});

/** The encryption algorithms client->server of the first KEXINIT in `bytes` (after the banner line). */
function offeredCiphers(bytes: Buffer): string[] {
  let at = bytes.indexOf('\r\n') + 2;
  // packet: uint32 length, byte padding, payload: byte 20 (KEXINIT), 16-byte cookie, then name-lists
  if (bytes[at + 5] !== 20) throw new Error('the first packet is not a KEXINIT');
  at += 6 + 16;
  const lists: string[] = [];
  for (let i = 0; i < 3; i++) {
    const n = bytes.readUInt32BE(at);
    lists.push(bytes.subarray(at + 4, at + 4 + n).toString('latin1'));
    at += 4 + n;
  }
  return lists[2].split(','); // kex, host key, then ciphers client->server
}

test('drover offers AES-GCM first (with AES instructions) and every cipher ssh2 offers by default', async (t) => {
  const port = (relay.address() as { port: number }).port;
  const knownHosts = join(sshd.dir, 'relay_known_hosts');
  writeFileSync(knownHosts, sshd.hostKeyPub.map((k) => `[127.0.0.1]:${port} ${k}\n`).join(''));
  const tr = await openSshTransport(
    {
      kind: 'ssh',
      address: '127.0.0.1',
      port,
      user: 'root',
      keyFiles: [sshd.keyFile],
      agent: false,
      become: false,
      connectTimeout: 5,
    },
    { knownHostsFiles: [knownHosts], acceptNew: false },
    { name: 'cipher' },
  );
  try {
    t.is((await tr.run('echo ok')).stdout.toString(), 'ok\n');
  } finally {
    await tr.close();
  }
  const offered = offeredCiphers(clientBytes);
  t.deepEqual([...offered].sort(), [...ssh2Defaults].sort(), 'every default cipher is still offered');
  if (cpuHasAes) t.is(offered[0], 'aes128-gcm@openssh.com', `offered: ${offered.join(',')}`);
  else t.log(`no AES instructions on this CPU: ${offered[0]} first`);
});
