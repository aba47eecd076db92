// Runs a changing emerge command (output streamed as progress) and turns a failure into an explained error: the package,
// phase and die message from emerge's output, and the build log's tail read from the host (thin I/O over emerge-failure.ts).
import type { Host } from '../../core/host.ts';
import { sh, type ShellCommand } from '../../core/sh.ts';
import { emergeFailureMessage, parseEmergeFailures, readableLog } from './emerge-failure.ts';
import { emergeProgress } from './emerge-progress.ts';

/** Lines read from the end of a failed build's log: die's own block (~15 lines) and what came before it. */
const LOG_TAIL = 60;

/** Runs `cmd` (emerge, changing); on a non-zero exit throws the explained failure. Secrets are masked by the engine. */
export async function runEmerge(host: Host<unknown>, cmd: ShellCommand): Promise<void> {
  // progress: each line to the view, and where the build is ("(12 of 57) dev-lang/ghc-9.2.8 compile") for `progress` events.
  const out = await host.exec(cmd, { progress: emergeProgress(), allowFail: true });
  if (out.code === 0) return;
  const output = `${out.stdout}\n${out.stderr}`;
  const failures = parseEmergeFailures(output);
  const log = readableLog(failures[0]?.log);
  let logTail: { path: string; text: string } | undefined;
  if (log) {
    const t = await host.exec(sh`tail -n ${String(LOG_TAIL)} -- ${log}`, { readOnly: true, allowFail: true });
    if (t.code === 0 && t.stdout.trim()) logTail = { path: log, text: t.stdout };
  }
  throw new Error(emergeFailureMessage(cmd.display, out.code, output, failures, logTail));
}
