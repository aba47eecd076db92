import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { NodeSSH } from 'node-ssh';
import { HostKeyError, UnreachableError } from '../../../core/errors.ts';
import { fingerprint } from '../../../core/ssh/known-hosts.ts';
import { openSshTransport } from '../../../core/ssh/ssh-transport.ts';
import type { ConnectionSpec, HostKeyPolicy, Transport } from '../../../core/transport/transport.ts';
import { startSshd, type Sshd } from '../../support/sshd.ts';
import { hostileTests, withTimeout } from '../shell/hostile.ts';

let sshd: Sshd;
let shared: Transport;

const spec = (over: Partial<ConnectionSpec> = {}): ConnectionSpec => ({
  kind: 'ssh',
  address: '127.0.0.1',
  port: sshd.port,
  user: 'root',
  keyFiles: [sshd.keyFile],
  agent: false,
  become: false,
  connectTimeout: 5,
  ...over,
});
const policy = (over: Partial<HostKeyPolicy> = {}): HostKeyPolicy => ({
  knownHostsFiles: [sshd.knownHostsFile],
  acceptNew: false,
  ...over,
});
const open = (s: ConnectionSpec = spec(), p: HostKeyPolicy = policy()) => openSshTransport(s, p, { name: 'testhost' });

test.before(async () => {
  sshd = await startSshd();
  shared = await open();
});
test.after.always(async () => {
  await shared?.close();
  await sshd?.stop();
});

hostileTests(test, 'ssh', () => shared);

function blobOf(pubLine: string): Buffer {
  return Buffer.from(pubLine.split(' ')[1], 'base64');
}

test('unknown host key is refused with its fingerprint', async (t) => {
  const kh = join(sshd.dir, 'empty_known_hosts');
  writeFileSync(kh, '');
  const e = await t.throwsAsync(open(spec(), policy({ knownHostsFiles: [kh] })), { instanceOf: HostKeyError });
  t.regex(e!.message, /host key for 127\.0\.0\.1:\d+ is unknown \(ssh-ed25519 SHA256:/);
  t.true(e!.message.includes(fingerprint(blobOf(sshd.hostKeyPub[0]))));
  t.is(readFileSync(kh, 'utf8'), '');
});

test('acceptNew records the key in the first file; the next connect matches it', async (t) => {
  const kh = join(sshd.dir, 'accept_known_hosts');
  writeFileSync(kh, '# mine\n');
  const tr = await open(spec(), policy({ knownHostsFiles: [kh, sshd.knownHostsFile + '.none'], acceptNew: true }));
  await tr.close();
  t.is(readFileSync(kh, 'utf8'), `# mine\n[127.0.0.1]:${sshd.port} ${sshd.hostKeyPub[0]}\n`);
  const again = await open(spec(), policy({ knownHostsFiles: [kh], acceptNew: false }));
  t.is((await again.run('echo ok')).stdout.toString(), 'ok\n');
  await again.close();
  t.is(readFileSync(kh, 'utf8').split('\n').length, 3, 'not recorded twice');
});

test('a changed key is refused even with acceptNew, naming fingerprint and file:line', async (t) => {
  const other = join(sshd.dir, 'other_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
  const otherPub = readFileSync(other + '.pub', 'utf8')
    .split(' ')
    .slice(0, 2)
    .join(' ');
  const kh = join(sshd.dir, 'changed_known_hosts');
  writeFileSync(kh, `# comment\n[127.0.0.1]:${sshd.port} ${otherPub}\n`);
  const e = await t.throwsAsync(open(spec(), policy({ knownHostsFiles: [kh], acceptNew: true })), {
    instanceOf: HostKeyError,
  });
  t.true(e!.message.includes(`host key CHANGED for 127.0.0.1:${sshd.port}`));
  t.true(e!.message.includes(fingerprint(blobOf(sshd.hostKeyPub[0]))));
  t.true(e!.message.includes(`${kh}:2`));
  t.is(e!.host, 'testhost');
  t.is(readFileSync(kh, 'utf8').split('\n').length, 3, 'nothing appended');
});

test('hashed [127.0.0.1]:PORT entries match', async (t) => {
  const kh = join(sshd.dir, 'hashed_known_hosts');
  writeFileSync(kh, readFileSync(sshd.knownHostsFile));
  execFileSync('ssh-keygen', ['-q', '-H', '-f', kh], { stdio: 'ignore' });
  t.true(readFileSync(kh, 'utf8').startsWith('|1|'));
  const tr = await open(spec(), policy({ knownHostsFiles: [kh] }));
  t.is((await tr.run('echo hashed')).stdout.toString(), 'hashed\n');
  await tr.close();
});

test('a host known only by its RSA key is asked for that key', async (t) => {
  const kh = join(sshd.dir, 'rsa_known_hosts');
  writeFileSync(kh, `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPub[1]}\n`);
  const tr = await open(spec(), policy({ knownHostsFiles: [kh] }));
  t.is((await tr.run('echo rsa')).stdout.toString(), 'rsa\n');
  await tr.close();
});

test('a revoked key is refused', async (t) => {
  const kh = join(sshd.dir, 'revoked_known_hosts');
  writeFileSync(kh, `${readFileSync(sshd.knownHostsFile, 'utf8')}@revoked * ${sshd.hostKeyPub[0]}\n`);
  const e = await t.throwsAsync(open(spec(), policy({ knownHostsFiles: [kh] })), { instanceOf: HostKeyError });
  t.regex(e!.message, /REVOKED/);
});

test('authentication failure names user@host:port and the keys tried', async (t) => {
  const wrong = join(sshd.dir, 'wrong_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrong]);
  const e = await t.throwsAsync(open(spec({ keyFiles: [join(sshd.dir, 'missing'), wrong] })), {
    instanceOf: UnreachableError,
  });
  t.false(e instanceof HostKeyError);
  t.is(
    e!.message,
    `cannot connect to root@127.0.0.1:${sshd.port}: authentication failed (tried ${join(sshd.dir, 'missing')} (missing), ${wrong})`,
  );
  const none = await t.throwsAsync(open(spec({ keyFiles: [join(sshd.dir, 'missing')] })), {
    instanceOf: UnreachableError,
  });
  t.regex(none!.message, /no usable SSH key \(tried .*missing \(missing\); no ssh-agent\)/);
});

test('connection refused on a closed port', async (t) => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  const e = await t.throwsAsync(open(spec({ port })), { instanceOf: UnreachableError });
  t.is(e!.message, `cannot connect to root@127.0.0.1:${port}: connection refused`);
});

test('connect timeout: a server that never answers', async (t) => {
  const sockets: Socket[] = [];
  const srv: Server = createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => {
    sockets.forEach((s) => s.destroy());
    srv.close();
  });
  const port = (srv.address() as { port: number }).port;
  const e = await t.throwsAsync(open(spec({ port, connectTimeout: 1 })), { instanceOf: UnreachableError });
  t.is(e!.message, `cannot connect to root@127.0.0.1:${port}: no answer within 1 s (connect + handshake)`);
});

test('a dropped connection rejects the running, queued and later commands; the process survives', async (t) => {
  // Its own server: killing sessions must not hit the other tests' connections.
  const own = await startSshd();
  t.teardown(() => own.stop());
  const ownSpec = spec({ port: own.port, keyFiles: [own.keyFile] });
  const ownPolicy = policy({ knownHostsFiles: [own.knownHostsFile] });
  const tr = await open(ownSpec, ownPolicy);
  const marker = `/tmp/drover-drop-${process.pid}`;
  const running = tr.run(`touch ${marker}; sleep 30`);
  const queued = tr.run('echo never');
  // Wait until the command is really running on the server, then kill the server side of the connection.
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      try {
        readFileSync(marker);
        clearInterval(poll);
        resolve();
      } catch {
        // not yet
      }
    }, 20);
  });
  execFileSync('rm', ['-f', marker]);
  own.killSessions();
  const e = await t.throwsAsync(running, { instanceOf: UnreachableError });
  t.regex(e!.message, /^root@127\.0\.0\.1:\d+: /);
  t.is(e!.host, 'testhost');
  await t.throwsAsync(queued, { instanceOf: UnreachableError });
  await t.throwsAsync(tr.run('echo later'), { instanceOf: UnreachableError });
  await tr.close();
  // Other connections (a fresh one) are not affected.
  const fresh = await open(ownSpec, ownPolicy);
  t.is((await fresh.run('echo alive')).stdout.toString(), 'alive\n');
  await fresh.close();
});

// 200 each with DROVER_BENCH=1 (an exec channel costs ~40-190 ms here: root's ~/.bashrc runs for each one).
test('benchmark: commands on the open shell vs one exec channel each', async (t) => {
  const n = process.env.DROVER_BENCH ? 200 : 20;
  let t0 = performance.now();
  const tr = await open();
  const connectMs = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < n; i++) await tr.run('true');
  const shellMs = performance.now() - t0;
  await tr.close();
  const ssh = new NodeSSH();
  await ssh.connect({ host: '127.0.0.1', port: sshd.port, username: 'root', privateKeyPath: sshd.keyFile });
  ssh.connection!.on('error', () => undefined);
  t0 = performance.now();
  let ok = 0;
  for (let i = 0; i < n; i++) if ((await ssh.execCommand('true')).code === 0) ok++;
  const execMs = performance.now() - t0;
  ssh.dispose();
  t.is(ok, n);
  t.log(`connect+auth+shell start: ${connectMs.toFixed(0)} ms`);
  t.log(`long-lived sh: ${n} commands ${shellMs.toFixed(0)} ms = ${(shellMs / n).toFixed(2)} ms/command`);
  t.log(`exec channel per command: ${n} commands ${execMs.toFixed(0)} ms = ${(execMs / n).toFixed(2)} ms/command`);
});

test('a command that kills the shell fails that connection at once; another connection stays usable', async (t) => {
  const tr = await open();
  const pidFile = `/tmp/drover-sshkill-${process.pid}.pid`;
  t.teardown(() => {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')));
      rmSync(pidFile);
    } catch {
      // not started
    }
  });
  const t0 = Date.now();
  const e = await t.throwsAsync(withTimeout(tr.run(`sleep 30 & echo $! >${pidFile}; kill $$`), 15_000, 'kill $$'), {
    instanceOf: UnreachableError,
  });
  const ms = Date.now() - t0;
  t.true(ms < 3000, `noticed after ${ms} ms`);
  t.is(e!.host, 'testhost');
  await t.throwsAsync(tr.run('echo later'), { instanceOf: UnreachableError });
  await tr.close();
  t.is((await shared.run('echo other')).stdout.toString(), 'other\n');
});

/** A TCP relay in front of sshd that can be cut: afterwards it forwards nothing and never closes (a dead link). */
async function cuttableRelay(target: number): Promise<{ port: number; cut(): void; close(): void }> {
  let cut = false;
  const sockets: Socket[] = [];
  const srv = createServer({ allowHalfOpen: true }, (a) => {
    const b = connect({ port: target, host: '127.0.0.1', allowHalfOpen: true });
    sockets.push(a, b);
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      from.on('data', (d) => void (cut || to.write(d)));
      from.on('end', () => void (cut || to.end()));
      from.on('error', () => undefined);
    }
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as { port: number }).port,
    cut: () => void (cut = true),
    close: () => {
      sockets.forEach((s) => s.destroy());
      srv.close();
    },
  };
}

test('close over a dead link: the process exits within seconds, not when TCP gives up', async (t) => {
  const relay = await cuttableRelay(sshd.port);
  t.teardown(() => relay.close());
  const kh = join(sshd.dir, 'relay_known_hosts');
  writeFileSync(kh, sshd.hostKeyPub.map((k) => `[127.0.0.1]:${relay.port} ${k}\n`).join(''));
  const child = spawn(
    process.execPath,
    ['--import=tsx', join(import.meta.dirname, '../shell/close-child.ts'), String(relay.port), sshd.keyFile, kh],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  const exited = new Promise<number>((r) => child.once('exit', () => r(Date.now())));
  let out = '';
  let closedAt = 0;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out === 'ready\n') resolve();
      if (out.endsWith('closed\n')) closedAt = Date.now();
    });
    child.once('exit', () => reject(new Error(`child exited early: ${out}`)));
  });
  relay.cut();
  child.stdin.write('close\n');
  const at = await withTimeout(exited, 20_000, 'the child process exit');
  t.is(out, 'ready\nclosed\n');
  t.true(at - closedAt < 4000, `exited ${at - closedAt} ms after close()`);
});

test('tens of MB of output come back byte for byte', async (t) => {
  const size = 40 * 1024 * 1024;
  const r = await withTimeout(shared.run(`yes 0123456789abcdef | head -c ${size}`), 60_000, '40 MB');
  t.is(r.code, 0);
  t.is(r.stdout.length, size);
  const line = Buffer.from('0123456789abcdef\n');
  const expected = Buffer.alloc(size);
  for (let i = 0; i < size; i += line.length) line.copy(expected, i);
  t.true(r.stdout.equals(expected));
});

test('a dead shell fails the connection at once even when a process holds the channel open on purpose', async (t) => {
  const tr = await open();
  const pidFile = `/tmp/drover-sshhold-${process.pid}.pid`;
  t.teardown(() => {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')));
      rmSync(pidFile);
    } catch {
      // not started
    }
  });
  // /proc/$$/fd/1 is the session shell's stdout, the channel itself: the channel's end never comes.
  const t0 = Date.now();
  await t.throwsAsync(
    withTimeout(tr.run(`sleep 30 >/proc/$$/fd/1 & echo $! >${pidFile}; kill $$`), 15_000, 'kill $$'),
    {
      instanceOf: UnreachableError,
      message: /the shell exited/,
    },
  );
  t.true(Date.now() - t0 < 3000, `noticed after ${Date.now() - t0} ms`);
  await tr.close();
});
