// Handshakes are paced: at most MAX_HANDSHAKES in flight, and a host's connect timeout starts with its own handshake.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { UnreachableError } from '../../../core/errors.ts';
import { connectHop, MAX_HANDSHAKES } from '../../../core/ssh/ssh-client.ts';

test('60 hosts at once: never more than MAX_HANDSHAKES connections in flight, and each times out after its own full timeout', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-pacing-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'key')]);
  // A "host" that accepts TCP and never says a word: every handshake runs into its timeout.
  let open = 0;
  let max = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    open++;
    max = Math.max(max, open);
    s.on('close', () => {
      open--;
      sockets.delete(s);
    });
    s.on('error', () => undefined);
    s.resume(); // read (and drop) the client's banner, so its close is seen
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const port = (server.address() as net.AddressInfo).port;
  const timeoutS = 1;
  const hosts = 60;
  const started = Date.now();
  const results = await Promise.allSettled(
    Array.from({ length: hosts }, (_, i) =>
      connectHop(
        {
          kind: 'ssh',
          address: '127.0.0.1',
          port,
          user: 'root',
          keyFiles: [path.join(dir, 'key')],
          agent: false,
          become: false,
          connectTimeout: timeoutS,
        },
        { knownHostsFiles: [path.join(dir, 'known_hosts')], acceptNew: false },
        `h${i}`,
        undefined,
        200,
      ),
    ),
  );
  const elapsed = (Date.now() - started) / 1000;
  t.true(max <= MAX_HANDSHAKES, `at most ${MAX_HANDSHAKES} in flight, saw ${max}`);
  for (const r of results) {
    t.is(r.status, 'rejected');
    const e = (r as PromiseRejectedResult).reason;
    t.true(e instanceof UnreachableError);
    t.regex(e.message, /no answer within 1 s \(connect \+ handshake\)/);
  }
  // Queued hosts waited for a slot and then had their whole second: the run takes about hosts/slots seconds.
  t.true(elapsed >= Math.floor(hosts / MAX_HANDSHAKES) * timeoutS * 0.9, `took ${elapsed} s`);
});
