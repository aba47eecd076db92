// Runs programs on this machine (argv arrays, never a shell string) for the lab's thin I/O layer.
import { spawn } from 'node:child_process';

export interface ProgramResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs argv[0] with the rest as arguments; resolves with exit code and output (never rejects on a non-zero exit). */
export function runProgram(
  argv: readonly string[],
  opts: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv; inherit?: boolean } = {},
): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      stdio: [
        opts.stdin === undefined ? 'ignore' : 'pipe',
        opts.inherit ? 'inherit' : 'pipe',
        opts.inherit ? 'inherit' : 'pipe',
      ],
      env: opts.env ?? process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(new Error(`cannot run ${argv[0]}: ${err.message}`)));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
  });
}

/** Like runProgram but throws with the command and its stderr when the exit code is not 0. */
export async function mustRun(
  argv: readonly string[],
  opts: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv; inherit?: boolean } = {},
): Promise<string> {
  const r = await runProgram(argv, opts);
  if (r.code !== 0) {
    const err = r.stderr.trim().split('\n').slice(-8).join('\n');
    throw new Error(`${argv.join(' ')} failed with exit code ${r.code}${err ? `:\n${err}` : ''}`);
  }
  return r.stdout;
}
