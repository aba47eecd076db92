// Where drover's own code is running from: compiled dist/ (the CLI) or the .ts sources (tests, tsx fallback).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

declare const __DROVER_COMPILED__: boolean | undefined;

/** True in dist/: core/boot/compile.js defines __DROVER_COMPILED__; in the sources it is never declared at run time. */
export const COMPILED: boolean = typeof __DROVER_COMPILED__ !== 'undefined' && __DROVER_COMPILED__ === true;

/** The package root (import.meta.url names the .ts source even in dist/, see core/boot/compile.js). */
export const DROVER_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Directories whose stack frames are drover's own, never a playbook's. */
export const OWN_DIRS: readonly string[] = ['core', 'modules', 'lab', 'dist'].map(
  (d) => path.join(DROVER_ROOT, d) + path.sep,
);

/**
 * The file to import for one of drover's sources (`core/index.ts`, relative to the root) in the form
 * this process runs: the dist/ .js when compiled, else the .ts itself. A playbook must get the very
 * module instances the runner uses (one nesting store, one Secret class, one set of error classes).
 */
export function ownModulePath(sourceRel: string): string {
  return COMPILED
    ? path.join(DROVER_ROOT, 'dist', sourceRel.replace(/\.ts$/, '.js'))
    : path.join(DROVER_ROOT, sourceRel);
}
