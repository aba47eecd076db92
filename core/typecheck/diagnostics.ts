// Turns TypeScript diagnostics into drover's plain Diagnostic records and renders them like tsc.
import path from 'node:path';
import type { ts } from 'ts-morph';

export interface Diagnostic {
  /** Path relative to the cwd ('' for a diagnostic about the options, not a file). */
  file: string;
  /** 1-based; 0 when there is no file. */
  line: number;
  /** 1-based; 0 when there is no file. */
  column: number;
  /** The message, chained messages on further lines indented as tsc does. */
  message: string;
  /** The source line the diagnostic points into (no newline). */
  sourceLine: string;
  /** 'TS2322', or 'DROVER…' for drover's own checks. */
  code: string;
  category: 'error' | 'warning' | 'suggestion' | 'message';
  /** Length of the marked span on that line (at least 1 when there is a file). */
  length: number;
}

const CATEGORIES = ['warning', 'error', 'suggestion', 'message'] as const;

/** Converts one compiler diagnostic; `file` is absolute here (see relativeTo). */
export function fromTsDiagnostic(t: typeof ts, d: ts.Diagnostic): Diagnostic {
  const message = t.flattenDiagnosticMessageText(d.messageText, '\n');
  const category = CATEGORIES[d.category] ?? 'error';
  const code = `TS${d.code}`;
  if (!d.file || d.start === undefined) {
    return { file: d.file?.fileName ?? '', line: 0, column: 0, message, sourceLine: '', code, category, length: 0 };
  }
  const { line, character } = t.getLineAndCharacterOfPosition(d.file, d.start);
  const lineStarts = d.file.getLineStarts();
  const lineStart = lineStarts[line];
  const lineEnd = line + 1 < lineStarts.length ? lineStarts[line + 1] : d.file.text.length;
  const sourceLine = d.file.text.slice(lineStart, lineEnd).replace(/\r?\n$/, '');
  const length = Math.max(1, Math.min(d.length ?? 1, sourceLine.length - character));
  return {
    file: path.resolve(d.file.fileName),
    line: line + 1,
    column: character + 1,
    message,
    sourceLine,
    code,
    category,
    length,
  };
}

/** The same diagnostic with its file relative to `cwd` (absolute when that would climb out of it). */
export function relativeTo(d: Diagnostic, cwd: string): Diagnostic {
  if (!d.file) return d;
  const rel = path.relative(cwd, d.file);
  return { ...d, file: rel.startsWith('..') || path.isAbsolute(rel) ? d.file : rel };
}

/**
 * tsc's plain format plus the line and a marker under the span:
 *
 *     playbooks/x.ts:12:7 - error TS2322: Type 'number' is not assignable to type 'string'.
 *
 *     12   const name: string = 42;
 *                ^^^^
 */
export function formatDiagnostic(d: Diagnostic): string {
  const head = `${d.category} ${d.code}: ${d.message}`;
  if (!d.file) return head;
  if (d.line === 0) return `${d.file} - ${head}`;
  const gutter = String(d.line);
  // Keep tabs from the source so the marker lands under the right characters.
  const lead = d.sourceLine.slice(0, d.column - 1).replace(/[^\t]/g, ' ');
  return [
    `${d.file}:${d.line}:${d.column} - ${head}`,
    '',
    `${gutter}  ${d.sourceLine}`,
    `${' '.repeat(gutter.length)}  ${lead}${'^'.repeat(Math.max(1, d.length))}`,
  ].join('\n');
}
