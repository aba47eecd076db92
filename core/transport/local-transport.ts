// Runs a host's commands on this machine: one `sh` child process driven by the same framing as SSH.
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { UnreachableError } from '../errors.ts';
import type { Secret } from '../secret.ts';
import { shellLauncher } from '../shell/become.ts';
import { ShellSession } from '../shell/shell-session.ts';
import type { RawResult, CommandOptions, Transport } from './transport.ts';

export interface LocalOptions {
  /** Name for errors (default 'localhost'). */
  name?: string;
  become?: boolean;
  becomePassword?: Secret;
  /** Seconds to wait for the shell (and sudo) to start. */
  startTimeout?: number;
}

/** Starts `sh` (through sudo with `become`) in the home directory, like an SSH login would. */
export async function openLocalTransport(opts: LocalOptions = {}): Promise<Transport> {
  const name = opts.name ?? 'localhost';
  const launcher = shellLauncher(opts.become ? (opts.becomePassword ? 'password' : 'nopasswd') : false);
  // Its own process group: Ctrl-C at the terminal reaches drover (which lets the command in flight
  // finish), not the host's shell. If drover dies, sh reads EOF on stdin and exits.
  const child = spawn('sh', ['-c', launcher.command.text], {
    cwd: homedir(),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => {
    // 'exit', not 'close': a background process a command left running may hold the pipes open for long.
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const teardown = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child.stdout.destroy();
    child.stderr.destroy();
  };
  const session = new ShellSession(name, 'local', child, teardown);
  child.on('error', (e) =>
    session.fail(new UnreachableError(name, `local: cannot start sh: ${e.message}`, { cause: e })),
  );
  // Commands write to files, never to these pipes (see ssh/framing.ts), so they close when sh dies; sudo or a
  // process that opened them on purpose may still hold them: then the exit itself fails the session (after a
  // moment, so that output already on its way, such as sudo's reason, is read first).
  child.on('exit', (code, signal) => {
    setTimeout(
      () => session.fail(new UnreachableError(name, `local: sh exited (${signal ?? `code ${code}`})`)),
      500,
    ).unref();
  });
  await session.start({
    token: launcher.token,
    sudoPrompt: launcher.sudoPrompt,
    password: opts.becomePassword,
    timeoutMs: (opts.startTimeout ?? 30) * 1000,
  });
  return {
    kind: 'local',
    run: (script: string, options?: CommandOptions): Promise<RawResult> => session.run(script, options),
    drop: (why: string) => session.fail(new UnreachableError(name, `local: ${why}`)),
    async close(): Promise<void> {
      await session.close();
      const timer = setTimeout(teardown, 5000);
      await exited;
      clearTimeout(timer);
      teardown();
    },
  };
}
