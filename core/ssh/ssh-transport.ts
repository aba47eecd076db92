// One SSH connection per host (node-ssh/ssh2): known_hosts checked, keys then agent, one channel running `sh`.
import { createRequire } from 'node:module';
import { NodeSSH } from 'node-ssh';
import { HostKeyError, UnreachableError } from '../errors.ts';
import type { Secret } from '../secret.ts';
import type { ConnectionSpec, HostKeyPolicy, RawResult, RunOptions, Transport } from '../transport.ts';
import { shellLauncher } from './become.ts';
import { appendKnownHost, fingerprint, hostKeyAlgorithms, keyBlobType, loadKnownHosts, verifyHostKey } from './known-hosts.ts';
import { parsedFileCache } from './parsed-file.ts';
import { ShellSession } from './shell-session.ts';

export interface SshOpenOptions {
  /** Inventory name, for errors. */
  name: string;
  becomePassword?: Secret;
}

/** The parts of ssh2's Client and channel this file uses (ssh2 ships no types here). */
interface Ssh2Client {
  on(event: 'error', fn: (e: Error & { level?: string; code?: string }) => void): unknown;
  on(event: 'close' | 'end', fn: () => void): unknown;
  once(event: 'close', fn: () => void): unknown;
  exec(cmd: string, cb: (err: Error | undefined, ch: Ssh2Channel) => void): boolean;
  end(): unknown;
  /** ssh2's own destroy() does nothing once end() was called (the socket is no longer writable). */
  _sock?: { destroy(): void; destroyed?: boolean };
}
interface Ssh2Channel extends NodeJS.ReadWriteStream {
  stderr: NodeJS.ReadableStream;
  close(): void;
  on(event: string, fn: (...a: unknown[]) => void): this;
  once(event: string, fn: (...a: unknown[]) => void): this;
}

/** How long close() waits for the server at each step (the shell to exit, the disconnect) before it gives up. */
const CLOSE_GRACE_MS = 1000;

/** Resolves when `event` fires or after `ms`, whichever comes first; leaves no timer behind. */
function eventOrTimeout(emitter: { once(event: string, fn: () => void): unknown }, event: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    emitter.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

// ssh2 (node-ssh's engine) has no type declarations installed: declare the one helper used.
const ssh2 = createRequire(import.meta.url)('ssh2') as { utils: { parseKey(key: Buffer): unknown } };

type AuthMethod = { type: 'publickey'; username: string; key: unknown } | { type: 'agent'; username: string; agent: string };

/** Each key file is parsed once per run (ssh2 takes the parsed key as it is), not once per host. */
const parsedKey = parsedFileCache((data) => ssh2.utils.parseKey(data));

/** Key files in order, then the agent; notes what could not be used, for the error message. */
async function authMethods(spec: ConnectionSpec): Promise<{ methods: AuthMethod[]; tried: string[] }> {
  const methods: AuthMethod[] = [];
  const tried: string[] = [];
  for (const file of spec.keyFiles) {
    let parsed: unknown;
    try {
      parsed = await parsedKey(file);
    } catch (e) {
      tried.push(`${file} (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message})`);
      continue;
    }
    if (parsed instanceof Error) {
      tried.push(`${file} (unusable: ${parsed.message}; passphrase-protected keys need ssh-agent)`);
      continue;
    }
    tried.push(file);
    // ssh2 takes the parsed key as it is (its parseKey returns a parsed key unchanged).
    methods.push({ type: 'publickey', username: spec.user, key: parsed });
  }
  const sock = process.env.SSH_AUTH_SOCK;
  if (spec.agent && sock) {
    tried.push('ssh-agent');
    methods.push({ type: 'agent', username: spec.user, agent: sock });
  }
  return { methods, tried };
}

function connectError(name: string, where: string, spec: ConnectionSpec, e: Error & { level?: string; code?: string }, tried: string[]): UnreachableError {
  if (e instanceof UnreachableError) return e;
  const reason =
    e.level === 'client-authentication'
      ? `authentication failed (tried ${tried.length ? tried.join(', ') : 'no key'})`
      : e.level === 'client-timeout' || e.code === 'ETIMEDOUT'
        ? `no answer within ${spec.connectTimeout} s (connect + handshake)`
        : e.code === 'ECONNREFUSED'
          ? 'connection refused'
          : e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN'
            ? `cannot resolve ${spec.address}`
            : e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH'
              ? 'no route to host'
              : e.message;
  return new UnreachableError(name, `cannot connect to ${where}: ${reason}`, { cause: e });
}

export async function openSshTransport(spec: ConnectionSpec, policy: HostKeyPolicy, opts: SshOpenOptions): Promise<Transport> {
  const name = opts.name;
  const where = `${spec.user}@${spec.address}:${spec.port}`;
  const entries = await loadKnownHosts(policy.knownHostsFiles);
  const { methods, tried } = await authMethods(spec);
  if (!methods.length) {
    throw new UnreachableError(name, `cannot connect to ${where}: no usable SSH key (tried ${tried.length ? tried.join(', ') : 'none configured'}; no ssh-agent)`);
  }

  let hostKeyError: HostKeyError | undefined;
  const hostVerifier = (key: Buffer, verify: (ok: boolean) => void): void => {
    const v = verifyHostKey(entries, spec.address, spec.port, key);
    const fp = fingerprint(key);
    const type = keyBlobType(key);
    if (v.kind === 'match') return verify(true);
    if (v.kind === 'revoked') {
      hostKeyError = new HostKeyError(name, `host key REVOKED for ${spec.address}:${spec.port}: ${type} ${fp} (${v.entry.file}:${v.entry.line})`);
      return verify(false);
    }
    if (v.kind === 'changed') {
      hostKeyError = new HostKeyError(
        name,
        `host key CHANGED for ${spec.address}:${spec.port}: offered ${type} ${fp}, but ${v.entry.file}:${v.entry.line} has a different key:\n` +
          `  ${v.entry.text}\n` +
          `Someone may be intercepting the connection, or the host was reinstalled. If you know the new key is right, remove that line.`,
      );
      return verify(false);
    }
    const file = policy.knownHostsFiles[0];
    if (!policy.acceptNew || !file) {
      hostKeyError = new HostKeyError(
        name,
        `host key for ${spec.address}:${spec.port} is unknown (${type} ${fp}; not in ${policy.knownHostsFiles.join(', ') || 'any known_hosts file'}). ` +
          `Add it to known_hosts, or accept new keys once (--accept-new-host-keys).`,
      );
      return verify(false);
    }
    appendKnownHost(file, spec.address, spec.port, key).then(
      () => verify(true),
      (e: Error) => {
        hostKeyError = new HostKeyError(name, `cannot record the host key of ${spec.address}:${spec.port} in ${file}: ${e.message}`);
        verify(false);
      },
    );
  };

  const ssh = new NodeSSH();
  const connecting = ssh.connect({
    host: spec.address,
    port: spec.port,
    username: spec.user,
    readyTimeout: spec.connectTimeout * 1000,
    keepaliveInterval: 15_000,
    keepaliveCountMax: 3,
    hostVerifier,
    authHandler: methods,
    algorithms: { serverHostKey: hostKeyAlgorithms(entries, spec.address, spec.port) },
  });
  // node-ssh drops its own error listener once connected: without ours a dropped link would crash the process.
  if (!ssh.connection) throw new Error('node-ssh did not create its connection synchronously (node-ssh version changed?)');
  const conn = ssh.connection as unknown as Ssh2Client;
  let lostReason = 'connection lost';
  let session: ShellSession | undefined;
  let connClosed = false;
  conn.on('close', () => void (connClosed = true));
  /**
   * Ends the connection and makes sure its socket is gone within CLOSE_GRACE_MS: over a dead link the
   * disconnect is never acknowledged, and a half-closed socket would keep drover running until TCP gives up.
   */
  let shutting: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (shutting ??= (async () => {
      if (connClosed) return;
      const closed = eventOrTimeout(conn, 'close', CLOSE_GRACE_MS);
      try {
        conn.end();
      } catch {
        // already ended
      }
      await closed;
      if (!connClosed) conn._sock?.destroy();
    })());
  conn.on('error', (e) => {
    lostReason = `connection lost: ${e.message}`;
    session?.fail(new UnreachableError(name, `${where}: ${lostReason}`, { cause: e }));
  });
  conn.on('close', () => session?.fail(new UnreachableError(name, `${where}: ${lostReason}`)));
  try {
    await connecting;
  } catch (e) {
    void shutdown();
    throw hostKeyError ?? connectError(name, where, spec, e as Error, tried);
  }

  const become = spec.become ? (opts.becomePassword ? 'password' : 'nopasswd') : false;
  const launcher = shellLauncher(become);
  let channel: Ssh2Channel;
  try {
    channel = await new Promise<Ssh2Channel>((resolve, reject) =>
      conn.exec(launcher.command.text, (err, ch) => (err ? reject(err) : resolve(ch))),
    );
  } catch (e) {
    void shutdown();
    throw new UnreachableError(name, `${where}: cannot open a session channel: ${(e as Error).message}`, { cause: e });
  }
  const streams = { stdin: channel, stdout: channel, stderr: channel.stderr } as unknown as ConstructorParameters<typeof ShellSession>[2];
  session = new ShellSession(name, where, streams, () => void shutdown());
  let channelClosed = false;
  channel.once('close', () => void (channelClosed = true));
  // The shell exited (sshd sends the exit status at once): if a process it left behind still holds the
  // channel open, its end never comes, so fail the session after a moment for the last frame bytes to arrive.
  channel.once('exit', (code, signal) => {
    const why = typeof signal === 'string' ? `signal ${signal}` : `code ${String(code)}`;
    setTimeout(() => session?.fail(new UnreachableError(name, `${where}: the shell exited (${why})`)), 500).unref();
  });
  await session.start({
    token: launcher.token,
    sudoPrompt: launcher.sudoPrompt,
    password: opts.becomePassword,
    timeoutMs: Math.max(30, spec.connectTimeout) * 1000,
  });
  const s = session;
  return {
    kind: 'ssh',
    run: (script: string, options?: RunOptions): Promise<RawResult> => s.run(script, options),
    async close(): Promise<void> {
      await s.close();
      // The shell reads EOF and exits (its EXIT trap removes its output directory); then disconnect.
      if (!channelClosed && !s.failed) await eventOrTimeout(channel, 'close', CLOSE_GRACE_MS);
      await shutdown();
    },
  };
}
