// One SSH connection per host (ssh2), direct or through jump hosts / a ProxyCommand (jump.ts), known_hosts
// checked, keys then agent (ssh-client.ts); one channel running `sh`.
import { UnreachableError } from '../errors.ts';
import type { Secret } from '../secret.ts';
import type { ConnectionSpec, HostKeyPolicy, RawResult, CommandOptions, Transport } from '../transport/transport.ts';
import { shellLauncher } from '../shell/become.ts';
import { openHop } from './jump.ts';
import { eventOrTimeout, type Ssh2Channel } from './ssh-client.ts';
import { ShellSession } from '../shell/shell-session.ts';

export interface SshOpenOptions {
  /** Inventory name, for errors. */
  name: string;
  becomePassword?: Secret;
  /**
   * Give up after this long (a caller's budget: reboot's wait). Cuts the connect timeout of the host and of
   * each jump host, and the wait for the session channel and the shell, to what is left of it.
   */
  timeoutMs?: number;
}

/** The spec with its connect timeouts (its own and its jump hosts') cut to `seconds`. */
function capConnectTimeout(spec: ConnectionSpec, seconds: number): ConnectionSpec {
  const via =
    spec.via && 'jump' in spec.via ? { ...spec.via, jump: capConnectTimeout(spec.via.jump, seconds) } : spec.via;
  return { ...spec, connectTimeout: Math.min(spec.connectTimeout, seconds), ...(via ? { via } : {}) };
}

/** How long close() waits for the server at each step (the shell to exit, the disconnect) before it gives up. */
const CLOSE_GRACE_MS = 1000;

export async function openSshTransport(
  spec: ConnectionSpec,
  policy: HostKeyPolicy,
  opts: SshOpenOptions,
): Promise<Transport> {
  const name = opts.name;
  const started = Date.now();
  /** What is left of the caller's budget (ms; at least 0.1 s, so each step still gets a chance to answer). */
  const left = () => (opts.timeoutMs === undefined ? Infinity : Math.max(100, opts.timeoutMs - (Date.now() - started)));
  // In tenths of a second: messages say "no answer within 2.5 s".
  if (opts.timeoutMs !== undefined) spec = capConnectTimeout(spec, Math.max(0.1, Math.ceil(opts.timeoutMs / 100) / 10));
  const { hop, release, carrierLost } = await openHop(spec, policy, name, CLOSE_GRACE_MS);
  const conn = hop.client;
  const where = hop.where;
  let session: ShellSession | undefined;
  const shutdown = (): Promise<void> => release();
  // Why the connection went: the jump host (or ProxyCommand) under it, when that is what broke.
  const lostReason = () => carrierLost() ?? hop.lost();
  conn.on('error', (e) => session?.fail(new UnreachableError(name, `${where}: ${lostReason()}`, { cause: e })));
  conn.on('close', () => session?.fail(new UnreachableError(name, `${where}: ${lostReason()}`)));
  if (hop.closed()) {
    void shutdown();
    throw new UnreachableError(name, `${where}: ${lostReason()}`);
  }

  const become = spec.become ? (opts.becomePassword ? 'password' : 'nopasswd') : false;
  const launcher = shellLauncher(become);
  let channel: Ssh2Channel;
  try {
    channel = await new Promise<Ssh2Channel>((resolve, reject) => {
      // Without a budget, a server that never answers is found out by the keepalive (about 45 s).
      const wait = left();
      const timer =
        wait === Infinity
          ? undefined
          : setTimeout(() => reject(new Error(`no answer within ${(wait / 1000).toFixed(1)} s`)), wait);
      conn.exec(launcher.command.text, (err, ch) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(ch);
      });
    });
  } catch (e) {
    void shutdown();
    throw new UnreachableError(name, `${where}: cannot open a session channel: ${(e as Error).message}`, { cause: e });
  }
  const streams = { stdin: channel, stdout: channel, stderr: channel.stderr } as unknown as ConstructorParameters<
    typeof ShellSession
  >[2];
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
    timeoutMs: Math.min(Math.max(30, spec.connectTimeout) * 1000, left()),
  });
  const s = session;
  return {
    kind: 'ssh',
    run: (script: string, options?: CommandOptions): Promise<RawResult> => s.run(script, options),
    drop: (why: string) => s.fail(new UnreachableError(name, `${where}: ${why}`)),
    async close(): Promise<void> {
      await s.close();
      // The shell reads EOF and exits (its EXIT trap removes its output directory); then disconnect.
      if (!channelClosed && !s.failed) await eventOrTimeout(channel, 'close', CLOSE_GRACE_MS);
      await shutdown();
    },
  };
}
