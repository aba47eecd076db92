// One SSH connection per host (ssh2), direct or through jump hosts / a ProxyCommand (jump.ts), known_hosts
// checked, keys then agent (ssh-client.ts); one channel running `sh`.
import { UnreachableError } from '../errors.ts';
import type { Secret } from '../secret.ts';
import type { ConnectionSpec, HostKeyPolicy, RawResult, RunOptions, Transport } from '../transport.ts';
import { shellLauncher } from './become.ts';
import { openHop } from './jump.ts';
import { eventOrTimeout, type Ssh2Channel } from './ssh-client.ts';
import { ShellSession } from './shell-session.ts';

export interface SshOpenOptions {
  /** Inventory name, for errors. */
  name: string;
  becomePassword?: Secret;
}

/** How long close() waits for the server at each step (the shell to exit, the disconnect) before it gives up. */
const CLOSE_GRACE_MS = 1000;

export async function openSshTransport(spec: ConnectionSpec, policy: HostKeyPolicy, opts: SshOpenOptions): Promise<Transport> {
  const name = opts.name;
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
