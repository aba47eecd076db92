// waitFor on a real local host (sh over the local transport): a port that starts listening later, a file that appears, a command that succeeds; a timeout names what it waited for; bad targets are refused.
import test from 'ava';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '../../../core/engine/wait-for.ts';
import { sh } from '../../../core/sh.ts';
import { localHost } from '../../support/host.ts';

test('waitFor: a port that listens 300 ms later, a file that appears, a command that succeeds', async (t) => {
  const { host, close } = localHost();
  t.teardown(close);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  server.close();
  await new Promise((r) => setTimeout(r, 50));
  const late = createServer();
  setTimeout(() => late.listen(port, '127.0.0.1'), 300);
  t.teardown(() => late.close());
  const started = Date.now();
  await waitFor(host, { port }, { timeoutMs: 5000, delayMs: 100 });
  t.true(Date.now() - started >= 250, 'it waited for the listen');

  const dir = mkdtempSync(path.join(tmpdir(), 'drover-wait-'));
  const file = path.join(dir, 'ready');
  setTimeout(() => writeFileSync(file, ''), 200);
  await waitFor(host, { file }, { timeoutMs: 5000, delayMs: 100 });
  t.true(existsSync(file));
  await waitFor(host, { command: sh`test -e ${file}` }, { timeoutMs: 1000, delayMs: 100 });
});

test('waitFor: gives up after the timeout naming what it waited for; refuses a bad port before touching the host', async (t) => {
  const { host, close } = localHost();
  t.teardown(close);
  const err = await t.throwsAsync(
    waitFor(host, { file: '/nonexistent/drover-wait' }, { timeoutMs: 300, delayMs: 100 }),
  );
  t.regex(err?.message ?? '', /wait for \/nonexistent\/drover-wait to exist/);
  await t.throwsAsync(waitFor(host, { port: 70000 }), { message: /port 70000 is not a TCP port/ });
});
