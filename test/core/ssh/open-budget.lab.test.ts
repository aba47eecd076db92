// Issue 22: a caller's budget (reboot's wait) bounds opening a connection, whatever part hangs; no drover token in the error.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import test from 'ava';
import { UnreachableError } from '../../../core/errors.ts';
import { openSshTransport } from '../../../core/ssh/ssh-transport.ts';
import type { ConnectionSpec } from '../../../core/transport/transport.ts';
import { startSshd, type Sshd } from '../../support/sshd.ts';

let sshd: Sshd;
let silent: Server;
const sockets: Socket[] = [];
test.before(async () => {
  sshd = await startSshd();
  // Accepts and never says a word: a host whose link went silent after the SYN (the handshake waits).
  silent = createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
});
test.after.always(async () => {
  for (const s of sockets) s.destroy();
  silent?.close();
  await sshd?.stop();
});

const spec = (port: number): ConnectionSpec => ({
  kind: 'ssh',
  address: '127.0.0.1',
  port,
  user: 'root',
  keyFiles: [sshd.keyFile],
  agent: false,
  become: false,
  connectTimeout: 10,
});
const policy = () => ({ knownHostsFiles: [sshd.knownHostsFile], acceptNew: false });

test.serial('a silent server: the connect gives up at the budget, not at ConnectTimeout', async (t) => {
  const started = Date.now();
  const port = (silent.address() as { port: number }).port;
  const e = await t.throwsAsync(openSshTransport(spec(port), policy(), { name: 'h', timeoutMs: 1500 }), {
    instanceOf: UnreachableError,
  });
  const took = Date.now() - started;
  t.true(took < 1500 + 1000, `gave up after ${took} ms`);
  t.regex(e!.message, /no answer within 1\.5 s/);
});

test.serial(
  'a shell that never gets ready (its stdout goes nowhere): gives up at the budget; the ready token is not in the message',
  async (t) => {
    const keys = readFileSync(sshd.authorizedKeysFile, 'utf8');
    // The launcher runs, but its stdout is thrown away: drover sees the token on stderr only.
    writeFileSync(sshd.authorizedKeysFile, `command="exec sh -c \\"$SSH_ORIGINAL_COMMAND\\" >/dev/null" ${keys}`);
    t.teardown(() => writeFileSync(sshd.authorizedKeysFile, keys));
    const started = Date.now();
    const e = await t.throwsAsync(openSshTransport(spec(sshd.port), policy(), { name: 'h', timeoutMs: 2500 }), {
      instanceOf: UnreachableError,
    });
    const took = Date.now() - started;
    t.true(took < 2500 + 1000, `gave up after ${took} ms`);
    t.regex(e!.message, /the shell did not start within \d(\.\d)? s before it was ready/);
    t.notRegex(e!.message, /drover-ready-/);
  },
);
