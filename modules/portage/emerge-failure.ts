// Pure reading of a failed emerge run (build or fetch failure) and of updates Portage skipped: which package, which
// phase, the die message, the build log's path; and the message drover shows, with the log's tail read from the host.

/** What a failed `emerge` says about the package that failed. */
export interface EmergeFailure {
  /** category/name-version ("app-misc/lab-fail-1.0"). */
  cpv: string;
  repo?: string;
  /** The ebuild phase that died ("compile"), or "fetch". */
  phase: string;
  /** The `die` message lines (or, for a fetch, Portage's "Couldn't download" lines). */
  message: string[];
  /** The build log on the host, as emerge named it. */
  log?: string;
  /** Distfiles that could not be downloaded (fetch failures). */
  files: string[];
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Output lines without colours and carriage returns. */
function linesOf(text: string): string[] {
  return text.replace(ANSI, '').replace(/\r/g, '').split('\n');
}

/** The text of an eerror line (" * foo" → "foo"), or undefined for another line. */
function eerrorText(line: string): string | undefined {
  const m = /^\s*\* ?(.*)$/.exec(line);
  return m ? m[1] : undefined;
}

/**
 * The failures a real `emerge` printed (stdout and stderr together), first failure first: `ERROR: CPV::repo failed
 * (PHASE phase):` with the die message under it (isolated-functions.sh `die`), `Fetch failed for 'CPV', Log file:`
 * (EbuildFetcher) with `!!! Couldn't download 'FILE'. Aborting.` before it, and the log path from `The complete
 * build log is located at '...'` or `>>> Failed to emerge CPV, Log file:`. Each package once.
 */
export function parseEmergeFailures(output: string): EmergeFailure[] {
  const lines = linesOf(output);
  const byCpv = new Map<string, EmergeFailure>();
  const add = (f: EmergeFailure) => {
    const had = byCpv.get(f.cpv);
    if (!had) byCpv.set(f.cpv, f);
    else {
      // `>>> Failed to emerge X` comes before the ERROR block that names the phase
      if (had.phase === 'unknown') had.phase = f.phase;
      had.repo ??= f.repo;
      had.log ??= f.log;
      if (!had.message.length) had.message = f.message;
      for (const x of f.files) if (!had.files.includes(x)) had.files.push(x);
    }
  };
  // Printed after `>>> Failed to emerge` (the fetch runs in the background): collected first.
  const notFetched = [
    ...new Set(lines.flatMap((l) => /^!!! Couldn't download '([^']+)'\. Aborting\./.exec(l)?.[1] ?? [])),
  ];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const err = /ERROR: (\S+?)(?:::(\S+))? failed(?: \((\S+) phase\))?:\s*$/.exec(l);
    if (err) {
      const message: string[] = [];
      let log: string | undefined;
      for (let j = i + 1; j < lines.length; j++) {
        const t = eerrorText(lines[j]);
        if (t === undefined || t.trim() === '') break;
        // die's message lines are indented by two spaces under the ERROR line
        if (/^ {2}\S/.test(t)) message.push(t.trim());
        else break;
      }
      for (let j = i + 1; j < Math.min(lines.length, i + 40); j++) {
        const m = /The complete build log is located at '([^']+)'/.exec(lines[j]);
        if (m) {
          log = m[1];
          break;
        }
      }
      add({ cpv: err[1], repo: err[2], phase: err[3] ?? 'unknown', message, log, files: [] });
      continue;
    }
    const fetch = /Fetch failed for '([^']+)'(?:, Log file:)?/.exec(l);
    if (fetch) {
      const next = eerrorText(lines[i + 1] ?? '');
      const log = next && /^\s*'([^']+)'\s*$/.exec(next)?.[1];
      add({
        cpv: fetch[1],
        phase: 'fetch',
        message: notFetched.map((f) => `Couldn't download '${f}'`),
        ...(log ? { log } : {}),
        files: [...notFetched],
      });
      continue;
    }
    const failed = /^>>> Failed to emerge (\S+?)(?:::\S+)?, Log file:\s*$/.exec(l);
    if (failed) {
      const path = lines
        .slice(i + 1, i + 4)
        .map((x) => /^>>>\s+'([^']+)'\s*$/.exec(x)?.[1])
        .find(Boolean);
      add({ cpv: failed[1], phase: 'unknown', message: [], ...(path ? { log: path } : {}), files: [] });
    }
  }
  const out = [...byCpv.values()];
  // A package that failed without an ebuild phase's ERROR, while files could not be downloaded: its fetch failed
  // (real emerge --quiet prints only `>>> Failed to emerge X` and wget's and Portage's `Couldn't download` lines).
  const unexplained = out.find((f) => f.phase === 'unknown');
  if (unexplained && notFetched.length && !out.some((f) => f.phase === 'fetch')) {
    unexplained.phase = 'fetch';
    unexplained.files = [...notFetched];
    unexplained.message = notFetched.map((f) => `Couldn't download '${f}'`);
  }
  return out;
}

/** A build log path emerge named, if it is one drover may read (absolute, no `..`, no control characters). */
export function readableLog(path: string | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (!path?.startsWith('/') || path.split('/').includes('..') || /[\x00-\x1f\x7f]/.test(path)) return undefined;
  return path;
}

/** Lines of a build log shown in the error: the last before die's ERROR block (already said above), colours removed. */
export function logLines(text: string, n = LOG_LINES): string[] {
  const lines = linesOf(text).map((l) => l.replace(/\s+$/, ''));
  const die = lines.findIndex((l) => /^\s*\* ERROR: \S+ failed/.test(l));
  const before = (die > 0 ? lines.slice(0, die) : lines).filter((l, i, a) => l || (i > 0 && a[i - 1]));
  while (before.length && !before[before.length - 1]) before.pop();
  return before.slice(-n);
}

/** Build log lines shown: a compiler's error and what led to it. */
const LOG_LINES = 15;

/**
 * The error for a failed emerge: the package, the phase, the die message and the log's tail (read from the
 * host, `logTail`; its path named), for the first failed package; others named. Without a recognisable
 * failure: the command's exit code and its output's tail. Secrets in any of it are masked by the engine.
 */
export function emergeFailureMessage(
  command: string,
  code: number,
  output: string,
  failures: readonly EmergeFailure[],
  logTail?: { path: string; text: string },
): string {
  const head = `${command} exited ${code}`;
  const first = failures[0];
  if (!first) {
    const tail = linesOf(output)
      .filter((l) => l.trim())
      .slice(-15)
      .join('\n');
    return `${head}:\n${tail}`;
  }
  const out: string[] = [];
  if (first.phase === 'fetch')
    out.push(
      `${head}: fetching ${first.cpv} failed${first.files.length ? `: cannot download ${first.files.join(', ')}` : ''}`,
    );
  else
    out.push(
      `${head}: ${first.cpv}${first.repo ? `::${first.repo}` : ''} failed in the ${first.phase} phase${first.message.length ? `: ${first.message.join(' ')}` : ''}`,
    );
  for (const f of failures.slice(1)) out.push(`also failed: ${f.cpv} (${f.phase})`);
  if (logTail) {
    out.push(`build log ${logTail.path} (last lines):`, ...logLines(logTail.text).map((l) => `  ${l}`));
  } else if (first.log) out.push(`build log: ${first.log}`);
  return out.join('\n');
}

/**
 * Updates Portage's plan leaves out, in its own words: `WARNING: One or more updates/rebuilds have been skipped
 * due to a dependency conflict:` (a slot conflict, e.g. a slot-operator dependant holding the old version) and
 * `!!! The following update has been skipped due to unsatisfied dependencies:`. The block runs to the next
 * blank line that is followed by a line not indented (its package lines are).
 */
export function skippedUpdates(output: string): string | undefined {
  const lines = linesOf(output);
  const start = lines.findIndex(
    (l) =>
      /^WARNING: One or more updates\/rebuilds have been skipped due to a dependency conflict:/.test(l) ||
      /^!!! The following update(?:\(s\))? ha(?:s|ve) been skipped due to unsatisfied dependencies/.test(l),
  );
  if (start < 0) return undefined;
  const out: string[] = [];
  for (let i = start; i < lines.length; i++) {
    const l = lines[i];
    if (l.trim() === '') {
      const next = lines.slice(i + 1).find((x) => x.trim() !== '');
      if (next === undefined || (out.length > 3 && !/^(\s|[a-z0-9-]+\/)/.test(next))) break;
      if (out[out.length - 1] !== '') out.push('');
      continue;
    }
    out.push(l);
  }
  return out.join('\n').replace(/\n+$/, '');
}
