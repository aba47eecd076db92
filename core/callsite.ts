// Finds the playbook line that called a module, so every event and error can name it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OWN_DIRS as OWN } from './self.ts';

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
    const f = parseFrame(frame);
    if (!f || f.file.startsWith('node:') || !path.isAbsolute(f.file)) continue;
    if (OWN.some((d) => f.file.startsWith(d))) continue;
    if (f.file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    const rel = path.relative(cwd, f.file);
    return `${rel.startsWith('..') ? f.file : rel}:${f.line}`;
  }
  return undefined;
}
