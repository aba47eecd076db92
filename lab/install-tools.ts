// Installs the Debian packages a lab command is missing (apt-get, as `drover demo` does), or fails with one line.
import { execFile } from 'node:child_process';
import { missingToolsLine, onPath, toolPlan } from './preflight.ts';

/** One install per package set at a time: hosts of a bench scenario ask together. */
const inFlight = new Map<string, Promise<void>>();

/** Runs apt-get without a shell (fixed arguments); resolves with its exit code and the last line it printed. */
function aptGet(args: string[]): Promise<{ code: number; last: string }> {
  return new Promise((resolve) => {
    execFile(
      'apt-get',
      args,
      { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 127
          : 0;
        const last =
          `${stderr}\n${stdout}\n${err && code === 127 ? err.message : ''}`.trim().split('\n').filter(Boolean).pop() ??
          '';
        resolve({ code, last: last.slice(0, 300) });
      },
    );
  });
}

/**
 * Makes sure `need` can be run on this machine before `what` (e.g. "the delay") uses them: missing
 * tools' packages are installed with apt-get (saying so through `log`); when that cannot be done, or did
 * not help, it throws an Error whose message is one line naming the tools and the packages.
 */
export async function ensureLabTools(
  what: string,
  need: readonly string[],
  log: (line: string) => void,
): Promise<void> {
  const plan = toolPlan(what, need, onPath, { root: process.getuid?.() === 0, apt: onPath('apt-get') });
  if (plan.kind === 'ready') return;
  if (plan.kind === 'fail') throw new Error(plan.message);
  const key = plan.packages.join(' ');
  let p = inFlight.get(key);
  if (!p) {
    p = (async () => {
      log(`installing ${key} for ${what} (apt-get install)`);
      const update = await aptGet(['update', '-qq']);
      const install =
        update.code === 0
          ? await aptGet(['install', '-y', '-qq', '--no-install-recommends', ...plan.packages])
          : update;
      const missing = need.filter((t) => !onPath(t));
      if (install.code !== 0) {
        const step = update.code === 0 ? 'apt-get install' : 'apt-get update';
        throw new Error(
          missingToolsLine(
            what,
            missing,
            plan.packages,
            `${step} failed (exit ${install.code}${install.last ? `: ${install.last}` : ''})`,
          ),
        );
      }
      if (missing.length)
        throw new Error(
          missingToolsLine(
            what,
            missing,
            plan.packages,
            `apt-get installed ${key}, but ${missing.join(', ')} is still not there`,
          ),
        );
    })().finally(() => inFlight.delete(key));
    inFlight.set(key, p);
  }
  await p;
}
