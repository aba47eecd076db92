// Finds the playbook line that called a module, so every event and error can name it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OWN_DIRS as OWN } from '../boot/self.ts';

/** Parses one V8 stack frame into file, line and column. */
export function parseFrame(frame: string): { file: string; line: number; col: number } | undefined {
  const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(frame.trim());
  if (!m) return undefined;
  let file = m[1];
  if (file.startsWith('file://')) file = fileURLToPath(file);
  return { file, line: Number(m[2]), col: Number(m[3]) };
}

/** The first stack frame outside drover, node internals and node_modules, as `relative/file.ts:line`. */
export function callerLocation(stack: string | undefined, cwd = process.cwd()): string | undefined {
  if (!stack) return undefined;
  for (const frame of stack.split('\n').slice(1)) {
    // Only `at ...` lines are frames: an error's stack starts with its message, which may span lines.
    if (!/^\s*at /.test(frame)) continue;
    const f = parseFrame(frame);
    if (!f || f.file.startsWith('node:') || !path.isAbsolute(f.file)) continue;
    if (OWN.some((d) => f.file.startsWith(d))) continue;
    if (f.file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    const rel = path.relative(cwd, f.file);
    return `${rel.startsWith('..') ? f.file : rel}:${f.line}`;
  }
  return undefined;
}

/**
 * An error thrown by a playbook's own code (its top level, its body, a helper file), as
 * `file.ts:line: message`: the line is the error's first frame outside drover, source-mapped to the .ts.
 * The message alone when no such frame exists or the message already names it (a ModuleError does).
 */
export function locatedMessage(err: unknown, cwd = process.cwd()): string {
  if (!(err instanceof Error)) return String(err);
  const at = callerLocation(framesOf(err), cwd);
  return at && !err.message.includes(at) ? `${at}: ${err.message}` : err.message;
}

/** The stack without its `Name: message` head: a message line may look like a frame (a command's stderr). */
function framesOf(err: Error): string | undefined {
  const stack = err.stack;
  // The head is `Name: message` with the name at construction (a subclass's name field is set later).
  const i = stack && err.message ? stack.indexOf(err.message) : -1;
  return stack && i >= 0 && !stack.slice(0, i).includes('\n') ? stack.slice(i + err.message.length) : stack;
}
