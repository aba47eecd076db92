// Issue 25: a frame leaves the host's shell in one write (Nagle never holds its tail), and a printing command costs what a silent one does.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { shellLauncher } from '../../../core/shell/become.ts';
import { ShellSession } from '../../../core/shell/shell-session.ts';
import type { RawResult } from '../../../core/transport/transport.ts';

/** What the shell did for one command, as strace saw it: writes to the channel, processes made, programs run. */
interface Cost {
  result: RawResult;
  writes: number;
  forks: number;
  execs: number;
}

/**
 * Runs `command` in a real `sh` driven by ShellSession under `strace -f`, after one warm-up command (the
 * first command of a session makes the output directory's first files), and counts what the shell and its
 * children did for the measured command only.
 */
async function traced(command: string): Promise<Cost> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-frame-writes-'));
  const log = join(dir, 'trace');
  const l = shellLauncher(false);
  const child = spawn(
    'strace',
    [
      '-f',
      '-qq',
      '-y',
      '-s',
      '64',
      '-o',
      log,
      '-e',
      'trace=write,clone,clone3,fork,vfork,execve',
      'sh',
      '-c',
      l.command.text,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const spawnError = new Promise<never>((_, reject) => child.on('error', reject));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const session = new ShellSession('strace', 'local', child, () => child.kill('SIGKILL'));
  try {
    await Promise.race([session.start({ token: l.token, timeoutMs: 20_000 }), spawnError]);
    // The warm-up ends with a marker the measured part starts after.
    await session.run('echo warm-up-done');
    const result = await session.run(command);
    await session.close();
    await exited;
    const lines = readFileSync(log, 'utf8').split('\n');
    const channel = (x: string) => /write\(1<(pipe|socket):/.test(x);
    const fork = (x: string) => /\b(clone3?|v?fork)\(/.test(x) && !x.includes('resumed>');
    const word = lines.findLastIndex((x) => x.includes('warm-up-done') && channel(x));
    if (word < 0) throw new Error(`strace log without the warm-up frame:\n${lines.slice(-20).join('\n')}`);
    // The warm-up's frame ends with its last write before the measured command's first process.
    const next = lines.findIndex((x, i) => i > word && fork(x));
    const from = lines.findLastIndex((x, i) => i < next && channel(x));
    // The measured command's lines end with the last write of its frame (then the shell's exit trap runs).
    const to = lines.findLastIndex(channel);
    const mine = lines.slice(from + 1, to + 1);
    return {
      result,
      writes: mine.filter(channel).length,
      forks: mine.filter(fork).length,
      execs: mine.filter((x) => /execve\(/.test(x) && !x.includes('resumed>')).length,
    };
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const text = (b: Buffer) => b.toString('latin1');

test('one write per frame: silent, printing, stderr, NUL bytes, no final newline, 100 KB, an exit code', async (t) => {
  const cases: [string, string, string, number][] = [
    ['true', '', '', 0],
    ['echo x', 'x\n', '', 0],
    ['echo x; echo y >&2', 'x\n', 'y\n', 0],
    ['printf "a\\0b"', 'a\0b', '', 0],
    ['echo oops >&2; exit 3', '', 'oops\n', 3],
  ];
  for (const [command, stdout, stderr, code] of cases) {
    const c = await traced(command);
    t.deepEqual(
      { stdout: text(c.result.stdout), stderr: text(c.result.stderr), code: c.result.code },
      { stdout, stderr, code },
      command,
    );
    t.is(c.writes, 1, `${command}: writes to the channel`);
  }
  const big = await traced('head -c 100000 /dev/zero');
  t.is(big.result.stdout.length, 100_000);
  t.true(big.result.stdout.every((b) => b === 0));
  t.is(big.writes, 1, 'a 100 KB frame: one write (cat reads 128 KiB at a time)');
});

test('a printing command costs what a silent one does: the same writes, processes and programs', async (t) => {
  const silent = await traced('true');
  const printing = await traced('echo x');
  t.deepEqual(
    { writes: printing.writes, forks: printing.forks, execs: printing.execs },
    { writes: silent.writes, forks: silent.forks, execs: silent.execs },
  );
  // The subshell the command runs in, and one `cat` sending the frame: nothing else.
  t.deepEqual({ forks: silent.forks, execs: silent.execs }, { forks: 2, execs: 1 });
});

test('a command that reopens /dev/stdout (truncating the file) still gets exactly its output', async (t) => {
  const c = await traced('echo lost; echo kept >/dev/stdout; echo more');
  t.is(text(c.result.stdout), 'kept\nmore\n');
  t.is(c.result.code, 0);
});
