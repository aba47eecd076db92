// How a hop's SSH connection is carried: directly (ssh2's TCP connect), through a jump host (a channel
// forwarded by that host's connection, `ssh -J`), or through a ProxyCommand's stdin/stdout. Jump host
// connections are shared: one per jump host (and the way to it) for the whole run, whatever number of
// hosts are behind it; it closes when the last host behind it closes. A jump host that drops takes down
// exactly the connections forwarded over it.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { HostKeyError, UnreachableError } from '../errors.ts';
import type { ConnectionSpec, HostKeyPolicy } from '../transport/transport.ts';
import {
  connectHop,
  describeHop,
  eventOrTimeout,
  hopPolicy,
  type HopConnection,
  type Ssh2Channel,
} from './ssh-client.ts';

export interface OpenHop {
  hop: HopConnection;
  /** Closes this connection, then lets go of the jump host (or ProxyCommand) under it. */
  release(): Promise<void>;
  /** Why the way to the host broke, when it did (a jump host that dropped), for messages. */
  carrierLost(): string | undefined;
}

interface JumpEntry {
  refs: number;
  opening: Promise<OpenHop>;
}

/** Open jump host connections by what they are (spec + host key policy): the same jump host is one connection. */
const jumps = new Map<string, JumpEntry>();

/** How many jump connections are open or opening (tests check sharing). */
export function openJumpCount(): number {
  return jumps.size;
}

/** Re-raises a jump host's failure for host `name` (the shared connection's error names the jump host). */
function forHost(name: string, where: string, e: unknown): UnreachableError {
  const msg = `cannot connect to ${where}: ${(e as Error).message}`;
  return e instanceof HostKeyError
    ? new HostKeyError(name, msg, { cause: e })
    : new UnreachableError(name, msg, { cause: e });
}

async function acquireJump(
  jump: ConnectionSpec,
  policy: HostKeyPolicy,
  graceMs: number,
): Promise<{ open: OpenHop; release(): Promise<void> }> {
  // What the connection is, not where it was configured: the same jump host named by two config lines is one connection.
  const key = JSON.stringify([jump, hopPolicy(jump, policy)], (k, v: unknown) => (k === 'at' ? undefined : v));
  let entry = jumps.get(key);
  if (!entry) {
    const e: JumpEntry = { refs: 0, opening: openHop(jump, policy, `jump host ${jump.address}`, graceMs) };
    entry = e;
    jumps.set(key, e);
    e.opening.then(
      // A dropped jump connection is forgotten: a host that reconnects later gets a new one.
      (o) => o.hop.client.on('close', () => void (jumps.get(key) === e && jumps.delete(key))),
      () => void (jumps.get(key) === e && jumps.delete(key)),
    );
  }
  const mine = entry;
  mine.refs++;
  // Once per acquire; resolves once the jump connection (and those under it) closed when this was the last host behind it.
  let releasing: Promise<void> | undefined;
  const release = (): Promise<void> =>
    (releasing ??= (async () => {
      if (--mine.refs > 0) return;
      if (jumps.get(key) === mine) jumps.delete(key);
      await mine.opening.then(
        (o) => o.release(),
        () => undefined,
      );
    })());
  try {
    return { open: await mine.opening, release };
  } catch (e) {
    void release();
    throw e;
  }
}

/** A direct-tcpip channel from the jump host to host:port, as `ssh -W host:port jump` opens. */
function forward(jump: HopConnection, host: string, port: number, timeoutMs: number): Promise<Ssh2Channel> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    try {
      jump.client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(ch);
      });
    } catch (e) {
      clearTimeout(timer);
      reject(e as Error);
    }
  });
}

/** Runs a ProxyCommand as OpenSSH does (`$SHELL -c "exec CMD"`, here /bin/sh); its stdin/stdout is the connection. */
function proxyCommand(command: string) {
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  let spawnError: Error | undefined;
  child.on('error', (e) => void (spawnError = e));
  const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
  // Writing to a command that exited is EPIPE: the connection's close reports it, not a crash.
  child.stdin.on('error', () => undefined);
  stream.on('error', () => undefined);
  // The command exiting is the connection's end, even if it left its stdin open.
  child.on('exit', () => setTimeout(() => stream.destroy(), 100).unref());
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  stream.on('close', kill);
  const describe = async (): Promise<string> => {
    if (child.exitCode === null && child.signalCode === null) await eventOrTimeout(child, 'exit', 1000);
    const how = spawnError
      ? `could not start: ${spawnError.message}`
      : child.exitCode !== null
        ? `exited with code ${child.exitCode}`
        : child.signalCode
          ? `killed by ${child.signalCode}`
          : 'still running';
    const tail = stderr.trim().split('\n').slice(-5).join('\n');
    return `${how}${tail ? `; stderr: ${tail}` : ''}`;
  };
  return { stream, kill, describe, exited: () => child.exitCode !== null || child.signalCode !== null };
}

/**
 * The authenticated connection to `spec` however it is reached. Failures are UnreachableErrors naming
 * `name` (HostKeyError for host keys, the jump host's included).
 */
export async function openHop(
  spec: ConnectionSpec,
  policy: HostKeyPolicy,
  name: string,
  graceMs: number,
): Promise<OpenHop> {
  const via = spec.via;
  if (!via) {
    const hop = await connectHop(spec, policy, name, undefined, graceMs);
    return { hop, release: () => hop.shutdown(), carrierLost: () => undefined };
  }
  const where = describeHop(spec);
  if ('command' in via) {
    const pc = proxyCommand(via.command);
    let hop: HopConnection;
    try {
      hop = await connectHop(spec, policy, name, pc.stream, graceMs);
    } catch (e) {
      pc.kill();
      if (e instanceof HostKeyError) throw e;
      throw new UnreachableError(name, `${(e as Error).message}; ProxyCommand (${via.at}) ${await pc.describe()}`, {
        cause: e,
      });
    }
    return {
      hop,
      release: async () => {
        await hop.shutdown();
        pc.kill();
      },
      carrierLost: () => (pc.exited() ? `the ProxyCommand (${via.at}) exited` : undefined),
    };
  }
  let jump: Awaited<ReturnType<typeof acquireJump>>;
  try {
    jump = await acquireJump(via.jump, policy, graceMs);
  } catch (e) {
    throw forHost(name, where, e);
  }
  const jumpWhere = describeHop(via.jump);
  let channel: Ssh2Channel;
  try {
    channel = await forward(jump.open.hop, spec.address, spec.port, spec.connectTimeout * 1000);
  } catch (e) {
    void jump.release();
    throw new UnreachableError(
      name,
      `cannot connect to ${where}: jump host ${jumpWhere} could not open a channel to ${spec.address}:${spec.port}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  let hop: HopConnection;
  try {
    hop = await connectHop(spec, policy, name, channel, graceMs);
  } catch (e) {
    channel.destroy();
    void jump.release();
    throw e;
  }
  let releasing: Promise<void> | undefined;
  return {
    hop,
    // Every caller waits for the whole way down to close (a session's failure and close() both call it).
    release: () => (releasing ??= hop.shutdown().then(() => jump.release())),
    carrierLost: () =>
      jump.open.hop.closed() ? `jump host ${jumpWhere} ${jump.open.hop.lost()}` : jump.open.carrierLost(),
  };
}
