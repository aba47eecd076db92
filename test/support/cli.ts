// Runs the drover CLI as a user would (node core/cli/bin.js ...) and collects its output and --json events.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(REPO, 'core/cli/bin.js');

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  /** The --json events on stdout (empty without --json). */
  events: Record<string, any>[];
}

export type RecapStats = Record<
  string,
  { ok: number; changed: number; failed: number; skipped: number; unreachable: number; rescued: number }
>;

export async function drover(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Outcome> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  const events = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);
  return { code: code as number, stdout, stderr, events };
}

/** The recap event's per-host counts; throws with the output when the run printed none. */
export function recap(o: Outcome): RecapStats {
  const r = o.events.find((e) => e.kind === 'recap');
  if (!r) throw new Error(`no recap event; exit ${o.code}\n${o.stderr.slice(-3000)}\n${o.stdout.slice(-3000)}`);
  return r.stats as RecapStats;
}
