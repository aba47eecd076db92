// Turns a FileChange into a unified diff (3 lines of context), optionally coloured for a terminal.
import type * as Diff from 'diff';
import { createRequire } from 'node:module';
import pc from 'picocolors';
import type { FileChange } from '../events.ts';
import { safeLine, safeTabbedLine } from './terminal-safe.ts';

let diffLib: typeof Diff | undefined;
/** 'diff' (~20 module files) is loaded by the first diff: a run that changes nothing never pays for it. */
const diff = (): typeof Diff => (diffLib ??= createRequire(import.meta.url)('diff') as typeof Diff);

export interface DiffOptions {
  color?: boolean;
  /** Lines of context around each change (default 3, as `diff -u`). */
  context?: number;
}

const identity = (s: string) => s;

/**
 * The unified diff of one file change, or '' when before and after are identical.
 * An absent side is shown as /dev/null, as `diff -u` and git do; a NUL byte marks binary content.
 * The diff is for a human (JSON carries the same text): the path and each content line are made terminal
 * safe, so a file holding escape sequences or a lone CR shows them as `\x1b`, `\x0d` instead of obeying them.
 */
export function unifiedDiff(change: FileChange, options: DiffOptions = {}): string {
  const { before, after, path } = change;
  if (before === after) return '';
  const paint = options.color
    ? { add: pc.green, del: pc.red, hunk: pc.cyan, head: pc.bold }
    : { add: identity, del: identity, hunk: identity, head: identity };
  const oldName = before === null ? '/dev/null' : `${safeLine(path)}\t(before)`;
  const newName = after === null ? '/dev/null' : `${safeLine(path)}\t(after)`;
  const head = [paint.head(`--- ${oldName}`), paint.head(`+++ ${newName}`)];
  if ((before ?? '').includes('\0') || (after ?? '').includes('\0')) {
    return [...head, 'Binary content differs'].join('\n') + '\n';
  }
  const patch = diff().structuredPatch(path, path, before ?? '', after ?? '', undefined, undefined, {
    context: options.context ?? 3,
  });
  if (patch.hunks.length === 0) {
    // Same text, different presence: an empty file created or removed.
    return [...head, before === null ? '(empty file created)' : '(empty file removed)'].join('\n') + '\n';
  }
  const out = [...head];
  for (const h of patch.hunks) {
    // An empty side starts at line 0, as GNU diff prints it.
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out.push(paint.hunk(`@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`));
    for (const raw of h.lines) {
      // The first character is diff's own (+, -, space, or \ of "\ No newline at end of file").
      const line = raw.slice(0, 1) + safeTabbedLine(raw.slice(1));
      out.push(line.startsWith('+') ? paint.add(line) : line.startsWith('-') ? paint.del(line) : line);
    }
  }
  return out.join('\n') + '\n';
}

/**
 * Colours a unifiedDiff text made without colour (a DiffGroup's, which is shared by every renderer): the
 * `---`/`+++` lines before the first hunk bold, hunk heads cyan, added and removed lines green and red.
 */
export function paintDiff(text: string): string {
  let inHunks = false;
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith('@@')) {
        inHunks = true;
        return pc.cyan(line);
      }
      if (!inHunks) return line.startsWith('--- ') || line.startsWith('+++ ') ? pc.bold(line) : line;
      return line.startsWith('+') ? pc.green(line) : line.startsWith('-') ? pc.red(line) : line;
    })
    .join('\n');
}
