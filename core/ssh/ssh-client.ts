// One authenticated SSH connection (node-ssh / its ssh2 Client) to one hop: a target host or a jump host. Host key
// checked against known_hosts (HostKeyAlias, UserKnownHostsFile, accept-new honoured), keys then agent.
// The TCP connect is ssh2's own, or the connection runs over `sock` (a channel forwarded by a jump host,
// a ProxyCommand's stdin/stdout) — the checks are the same either way.
import { createRequire } from 'node:module';
import { NodeSSH } from 'node-ssh';
import pLimit from 'p-limit';
import type { Duplex } from 'node:stream';
import { HostKeyError, UnreachableError } from '../errors.ts';
import type { ConnectionSpec, HostKeyPolicy } from '../transport/transport.ts';
import {
  appendKnownHost,
  fingerprint,
  hostKeyAlgorithms,
  keyBlobType,
  loadKnownHosts,
  verifyHostKey,
} from './known-hosts.ts';
import { parsedFileCache } from './parsed-file.ts';

/** The parts of ssh2's Client and channel drover uses (ssh2 ships no types here). */
export interface Ssh2Client {
  on(event: 'error', fn: (e: Error & { level?: string; code?: string }) => void): unknown;
  on(event: 'close' | 'end' | 'ready', fn: () => void): unknown;
  once(event: 'close' | 'ready', fn: () => void): unknown;
  connect(cfg: Record<string, unknown>): unknown;
  exec(cmd: string, cb: (err: Error | undefined, ch: Ssh2Channel) => void): boolean;
  forwardOut(
    srcIP: string,
    srcPort: number,
    dstIP: string,
    dstPort: number,
    cb: (err: Error | undefined, ch: Ssh2Channel) => void,
  ): boolean;
  end(): unknown;
  /** ssh2's own destroy() does nothing once end() was called (the socket is no longer writable). */
  _sock?: { destroy(): void; destroyed?: boolean };
}
export interface Ssh2Channel extends Duplex {
  stderr: NodeJS.ReadableStream;
  close(): void;
}

// ssh2 (node-ssh's engine) has no type declarations installed: declare what is used.
const ssh2 = createRequire(import.meta.url)('ssh2') as {
  Client: new () => Ssh2Client;
  utils: { parseKey(key: Buffer): unknown };
};

type AuthMethod =
  | { type: 'publickey'; username: string; key: unknown }
  | { type: 'agent'; username: string; agent: string };

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
    methods.push({ type: 'publickey', username: spec.user, key: parsed });
  }
  const sock = process.env.SSH_AUTH_SOCK;
  if (spec.agent && sock) {
    tried.push('ssh-agent');
    methods.push({ type: 'agent', username: spec.user, agent: sock });
  }
  return { methods, tried };
}

function connectError(
  name: string,
  where: string,
  spec: ConnectionSpec,
  e: Error & { level?: string; code?: string },
  tried: string[],
): UnreachableError {
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

/** `user@address:port`, and how it is reached when not directly. */
export function describeHop(spec: ConnectionSpec): string {
  const self = `${spec.user}@${spec.address}:${spec.port}`;
  if (!spec.via) return self;
  return 'jump' in spec.via ? `${self} via ${describeHop(spec.via.jump)}` : `${self} via ProxyCommand (${spec.via.at})`;
}

/** The known_hosts files and accept-new rule for one hop: its ssh_config's UserKnownHostsFile / StrictHostKeyChecking, else the run's. */
export function hopPolicy(spec: ConnectionSpec, policy: HostKeyPolicy): HostKeyPolicy {
  return {
    knownHostsFiles: spec.knownHostsFiles ?? policy.knownHostsFiles,
    acceptNew: policy.acceptNew || Boolean(spec.acceptNewHostKeys),
  };
}

export interface HopConnection {
  client: Ssh2Client;
  where: string;
  /** Why the connection was lost (updated by errors), for the messages of whatever fails because of it. */
  lost(): string;
  closed(): boolean;
  /** Ends the connection; its socket is gone within `graceMs` even over a dead link. */
  shutdown(): Promise<void>;
}

/** Resolves when `event` fires or after `ms`, whichever comes first; leaves no timer behind. */
export function eventOrTimeout(
  emitter: { once(event: string, fn: () => void): unknown },
  event: string,
  ms: number,
): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    emitter.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Connects and authenticates to one hop. Any failure is an UnreachableError naming `name` and the hop
 * (a HostKeyError for key problems); `sock` is closed on failure.
 */
export function connectHop(
  spec: ConnectionSpec,
  basePolicy: HostKeyPolicy,
  name: string,
  sock: Duplex | undefined,
  graceMs: number,
): Promise<HopConnection> {
  // The connect timeout starts when the handshake does, not while it waits for a slot.
  return handshakeSlots(() => connectHopNow(spec, basePolicy, name, sock, graceMs));
}

/**
 * Why handshakes are paced: each one costs the runner ~70 ms of CPU (JS crypto) on one thread. 160 at
 * once kept the process busy for seconds, so healthy hosts ran out of connect timeout waiting for
 * drover's own CPU, not for the host, and were reported unreachable. With a bounded number in flight,
 * a host's timeout measures the host. `DROVER_MAX_HANDSHAKES` changes the bound (default 16).
 */
export const MAX_HANDSHAKES = (() => {
  const n = Number(process.env.DROVER_MAX_HANDSHAKES ?? 16);
  return Number.isInteger(n) && n >= 1 ? n : 16;
})();
const handshakeSlots = pLimit(MAX_HANDSHAKES);

async function connectHopNow(
  spec: ConnectionSpec,
  basePolicy: HostKeyPolicy,
  name: string,
  sock: Duplex | undefined,
  graceMs: number,
): Promise<HopConnection> {
  const where = describeHop(spec);
  const policy = hopPolicy(spec, basePolicy);
  // HostKeyAlias: keys are known under the alias alone (OpenSSH adds no port to it).
  const keyHost = spec.hostKeyAlias ?? spec.address;
  const keyPort = spec.hostKeyAlias ? 22 : spec.port;
  const keyName = spec.hostKeyAlias
    ? `${spec.hostKeyAlias} (HostKeyAlias of ${spec.address}:${spec.port})`
    : `${spec.address}:${spec.port}`;
  const entries = await loadKnownHosts(policy.knownHostsFiles);
  const { methods, tried } = await authMethods(spec);
  if (!methods.length) {
    sock?.destroy();
    throw new UnreachableError(
      name,
      `cannot connect to ${where}: no usable SSH key (tried ${tried.length ? tried.join(', ') : 'none configured'}; no ssh-agent)`,
    );
  }

  let hostKeyError: HostKeyError | undefined;
  const hostVerifier = (key: Buffer, verify: (ok: boolean) => void): void => {
    const v = verifyHostKey(entries, keyHost, keyPort, key);
    const fp = fingerprint(key);
    const type = keyBlobType(key);
    if (v.kind === 'match') return verify(true);
    if (v.kind === 'revoked') {
      hostKeyError = new HostKeyError(
        name,
        `host key REVOKED for ${keyName}: ${type} ${fp} (${v.entry.file}:${v.entry.line})`,
      );
      return verify(false);
    }
    if (v.kind === 'changed') {
      hostKeyError = new HostKeyError(
        name,
        `host key CHANGED for ${keyName}: offered ${type} ${fp}, but ${v.entry.file}:${v.entry.line} has a different key:\n` +
          `  ${v.entry.text}\n` +
          `Someone may be intercepting the connection, or the host was reinstalled. If you know the new key is right, remove that line.`,
      );
      return verify(false);
    }
    const file = policy.knownHostsFiles[0];
    if (!policy.acceptNew || !file) {
      hostKeyError = new HostKeyError(
        name,
        `host key for ${keyName} is unknown (${type} ${fp}; not in ${policy.knownHostsFiles.join(', ') || 'any known_hosts file'}). ` +
          `Add it to known_hosts, or accept new keys once (--accept-new-host-keys).`,
      );
      return verify(false);
    }
    appendKnownHost(file, keyHost, keyPort, key).then(
      () => verify(true),
      (e: Error) => {
        hostKeyError = new HostKeyError(name, `cannot record the host key of ${keyName} in ${file}: ${e.message}`);
        verify(false);
      },
    );
  };

  // node-ssh (the project's SSH library) makes the ssh2 Client and connects it; drover then drives the
  // Client itself (one long-lived shell, forwarded channels). connect() creates `ssh.connection` at once.
  const ssh = new NodeSSH();
  const connecting = (() => {
    // The carrier (a ProxyCommand, a forwarded channel) may have ended while keys were read: ssh2 would wait for readyTimeout.
    if (sock && (sock.destroyed || sock.readableEnded))
      return Promise.reject(
        Object.assign(new Error('connection closed before the SSH handshake started'), { code: 'ECONNRESET' }),
      );
    return ssh.connect({
      host: spec.address,
      port: spec.port,
      ...(sock ? { sock } : {}),
      username: spec.user,
      readyTimeout: spec.connectTimeout * 1000,
      ...keepalive(),
      hostVerifier,
      authHandler: methods,
      algorithms: { serverHostKey: hostKeyAlgorithms(entries, keyHost, keyPort) },
    } as unknown as Parameters<NodeSSH['connect']>[0]);
  })();
  const client = (ssh.connection ?? new ssh2.Client()) as unknown as Ssh2Client;
  let lostReason = 'connection lost';
  let closed = false;
  client.on('close', () => void (closed = true));
  // Without a listener a dropped link would crash the process; the reason is kept for later messages.
  client.on('error', (e) => void (lostReason = `connection lost: ${e.message}`));
  let shutting: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (shutting ??= (async () => {
      if (closed) return;
      const done = eventOrTimeout(client, 'close', graceMs);
      try {
        client.end();
      } catch {
        // already ended
      }
      await done;
      if (!closed) {
        client._sock?.destroy();
        sock?.destroy();
      }
    })());
  try {
    await Promise.race([
      connecting,
      new Promise<never>((_, reject) =>
        client.once('close', () =>
          reject(
            Object.assign(new Error('connection closed before the SSH handshake completed'), { code: 'ECONNRESET' }),
          ),
        ),
      ),
    ]);
  } catch (e) {
    void shutdown();
    throw hostKeyError ?? connectError(name, where, spec, e as Error, tried);
  }
  // Commands written back to back (pipelined probes, shell-session.ts) must not wait on Nagle for an ACK.
  (client as unknown as { setNoDelay?(on: boolean): void }).setNoDelay?.(true);
  return { client, where, lost: () => lostReason, closed: () => closed, shutdown };
}

/**
 * Keepalive: every 15 s, 3 missed = the link is dead (about 45 s). DROVER_SSH_KEEPALIVE=SECONDS[xCOUNT]
 * changes it (tests that cut a link use 1x3: found dead in about 3 s).
 */
function keepalive(): { keepaliveInterval: number; keepaliveCountMax: number } {
  const m = /^(\d+(?:\.\d+)?)(?:x(\d+))?$/.exec(process.env.DROVER_SSH_KEEPALIVE ?? '');
  if (!m || Number(m[1]) <= 0) return { keepaliveInterval: 15_000, keepaliveCountMax: 3 };
  return { keepaliveInterval: Math.round(Number(m[1]) * 1000), keepaliveCountMax: Number(m[2] ?? 3) };
}
