// Drives a command on a real pseudo-terminal (a detached tmux session of fixed size) and reads the screen
// a person would see: `const pty = await startPty(t, ['node', 'core/cli/bin.js', ...]); await pty.waitFor(/RECAP/)`.
import type { ExecutionContext } from 'ava';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PtyOptions {
  cwd?: string;
  cols?: number;
  rows?: number;
  /** Set in the command's environment; a value of undefined removes the variable. */
  env?: Record<string, string | undefined>;
}

export interface Pty {
  /** What the terminal shows now, without colours: the scrollback and the screen, wrapped lines joined. */
  screen(): Promise<string>;
  /** Only the visible screen (rows × cols), as a person looking at it sees it. */
  visible(): Promise<string>;
  /** Waits until the screen matches; on timeout throws with the screen. Returns the screen. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** tmux key names: 'C-c', 'Enter', or literal text. */
  keys(...keys: string[]): Promise<void>;
  /** Waits for the command to end; its exit status (128+n when signal n ended it, as sh reports). */
  exitCode(timeoutMs?: number): Promise<number>;
  /** The exit status if the command has ended, else undefined (for a test that samples the screen meanwhile). */
  ended(): number | undefined;
}

/** True when tmux is installed: PTY tests need it (CI installs it, see .ci/run). Synchronous: ava wants tests declared at once. */
export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `argv` in a new tmux server on its own socket (tests run in parallel) with a terminal of
 * cols × rows and TERM=xterm-256color. The pane stays after the command ends, so its exit status and last
 * screen can be read. The server is killed in t.teardown.
 */
export async function startPty(t: ExecutionContext<unknown>, argv: string[], o: PtyOptions = {}): Promise<Pty> {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-pty-'));
  // A server of its own per test (tests run in parallel), its socket in the test's directory: teardown leaves nothing.
  const socket = path.join(dir, 'tmux.sock');
  const conf = path.join(dir, 'tmux.conf');
  // Our own config (not ~/.tmux.conf): a pane that outlives its command, a large scrollback, nothing else.
  writeFileSync(
    conf,
    'set -g remain-on-exit on\nset -g history-limit 50000\nset -g default-terminal xterm-256color\nset -g status off\n',
  );
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, TERM: 'xterm-256color', ...o.env }))
    if (v !== undefined) env[k] = v;
  const tmux = (...args: string[]) =>
    run('tmux', ['-S', socket, '-f', conf, ...args], { env, cwd: o.cwd, maxBuffer: 64 * 1024 * 1024 });
  t.teardown(async () => {
    await tmux('kill-server').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  const cols = o.cols ?? 110;
  const rows = o.rows ?? 40;
  // The exit status goes to a file: here tmux 3.3a did not always reap a pane's process, leaving
  // #{pane_dead_status} empty for good. The shell must outlive a Ctrl-C to record it, so it catches
  // SIGINT (`trap :`); a caught signal is reset to its default at exec, so the command still gets Ctrl-C.
  const statusFile = path.join(dir, 'status');
  const wrapped = ['sh', '-c', 'trap : INT; "$@"; echo "$?" > "$0"', statusFile, ...argv];
  // The tmux server takes its environment from this client: the command sees `env`, not the test's.
  await tmux(
    'new-session',
    '-d',
    '-s',
    'pty',
    '-x',
    String(cols),
    '-y',
    String(rows),
    '-c',
    o.cwd ?? process.cwd(),
    '--',
    ...wrapped,
  );
  const target = ['-t', 'pty:0.0'];

  const capture = async (history: boolean): Promise<string> => {
    const args = ['capture-pane', '-p', ...target];
    if (history) args.push('-J', '-S', '-');
    const { stdout } = await tmux(...args);
    // tmux's own "Pane is dead (status 0, ...)" line is not the command's output: a terminal would not show it.
    return stdout
      .replace(/^Pane is dead \(.*\)\s*$/m, '')
      .replace(/[ \t]+$/gm, '')
      .replace(/\n+$/, '\n');
  };
  const status = (): number | undefined => {
    try {
      const text = readFileSync(statusFile, 'utf8');
      return text.endsWith('\n') ? Number(text.trim()) : undefined;
    } catch {
      return undefined;
    }
  };

  return {
    screen: () => capture(true),
    visible: () => capture(false),
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = await capture(true);
        if (pattern.test(text)) return text;
        if (Date.now() > deadline)
          throw new Error(`terminal never showed ${pattern} within ${timeoutMs} ms; it shows:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async keys(...keys) {
      await tmux('send-keys', ...target, ...keys);
    },
    ended: status,
    async exitCode(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const code = status();
        if (code !== undefined) return code;
        if (Date.now() > deadline)
          throw new Error(`command still running after ${timeoutMs} ms; the terminal shows:\n${await capture(true)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/**
 * The environment of a person at a terminal. CI=true (set when the suite runs in CI) makes drover
 * print plain lines instead of listr2's task list, and NO_COLOR/FORCE_COLOR would change what is drawn.
 */
export const TERMINAL_ENV: Record<string, undefined> = { CI: undefined, NO_COLOR: undefined, FORCE_COLOR: undefined };
