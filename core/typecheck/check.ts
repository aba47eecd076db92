// typecheckPlaybook: type errors and required vars of a playbook, before any host is contacted; cached by content.
import fs from 'node:fs';
import type { ts } from 'ts-morph';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import { cacheKey, defaultCacheDir, isFresh, readEntry, toolVersions, writeEntry, type CheckOutcome } from './cache.ts';
import { chooseTypeRoots, playbookOptionsJson } from './compiler-options.ts';
import { fromTsDiagnostic, relativeTo, type Diagnostic } from './diagnostics.ts';
import { walkImports } from './import-graph.ts';
import { createPlaybookProject, isUnderNodeModules, loadTsMorph, programFileHashes } from './project.ts';
import { requiredVars } from './required-vars.ts';
import { checkInChild } from './child-process.ts';

type TsDiagnostic = ts.Diagnostic;

export interface TypecheckOptions {
  /** Where cache entries go (default: `$XDG_CACHE_HOME/drover/typecheck`, else `~/.cache/drover/typecheck`). */
  cacheDir?: string;
  /** false: neither read nor write the cache. */
  cache?: boolean;
  /** Diagnostic paths are relative to this (default process.cwd()). */
  cwd?: string;
  /**
   * Build the TypeScript Program in a child process, so the ~150 MB it takes
   * is returned to the system before the caller connects to hosts. The runner sets it.
   */
  isolate?: boolean;
}

export interface TypecheckResult {
  /** No error-category diagnostics. */
  ok: boolean;
  diagnostics: Diagnostic[];
  /** The answer came from the cache (no TypeScript Program was built). */
  cached: boolean;
  requiredHostVars: string[];
  requiredPlayVars: string[];
}

/** drover's own check: the default export must be a Playbook, or the runner has nothing to run. */
const NOT_A_PLAYBOOK = 'DROVER1';

export interface FreshCheck {
  outcome: CheckOutcome;
  files: Record<string, string>;
}

/** Builds the Program and checks it here, in this process (core/typecheck/child.ts calls it too). */
export function checkWithTypeScript(abs: string): FreshCheck {
  const { ts } = loadTsMorph();
  const { playbook, program } = createPlaybookProject(abs);
  const raw: TsDiagnostic[] = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  const files = programFileHashes(program);
  for (const sf of program.getSourceFiles()) {
    // drover's .ts sources inside node_modules are hashed (their content matters) but their errors are not the site's.
    if (program.isSourceFileDefaultLibrary(sf) || isUnderNodeModules(sf.fileName)) continue;
    raw.push(...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf));
  }
  const diagnostics = raw.map((d) => fromTsDiagnostic(ts, d));
  const vars = requiredVars(playbook);
  // When the playbook has type errors (`drover` unresolved, say) they already explain a missing Playbook type.
  if (!vars && !diagnostics.some((d) => d.file === abs && d.category === 'error')) {
    diagnostics.push({
      file: abs,
      line: 0,
      column: 0,
      message:
        'the default export is not a drover playbook: write `export default playbook<HostVars, PlayVars>({ name, hosts }, async (play) => { ... })`',
      sourceLine: '',
      code: NOT_A_PLAYBOOK,
      category: 'error',
      length: 0,
    });
  }
  // The playbook's own errors first, then the files it imports, each in source order.
  const rank = (d: Diagnostic): number => (d.file === abs ? 0 : d.file === '' ? 2 : 1);
  diagnostics.sort(
    (a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
  );
  return {
    outcome: {
      ok: !diagnostics.some((d) => d.category === 'error'),
      diagnostics,
      requiredHostVars: vars?.host ?? [],
      requiredPlayVars: vars?.play ?? [],
    },
    files,
  };
}

/**
 * Type-checks a playbook and everything it imports with drover's fixed compiler options, and lists the
 * vars its type parameters require. Never executes the playbook nor opens a connection. An unchanged
 * playbook (same content of every file it reaches, same drover/TypeScript) is answered from the cache.
 */
export async function typecheckPlaybook(file: string, opts: TypecheckOptions = {}): Promise<TypecheckResult> {
  const cwd = opts.cwd ?? process.cwd();
  const abs = path.resolve(cwd, file);
  if (!fs.statSync(abs, { throwIfNoEntry: false })?.isFile())
    throw new UsageError(`playbook not found: ${file} (looked at ${abs})`);
  const useCache = opts.cache !== false;
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const result = (outcome: CheckOutcome, cached: boolean): TypecheckResult => ({
    ok: outcome.ok,
    diagnostics: outcome.diagnostics.map((d) => relativeTo(d, cwd)),
    cached,
    requiredHostVars: outcome.requiredHostVars,
    requiredPlayVars: outcome.requiredPlayVars,
  });

  const graph = walkImports(abs);
  const key = cacheKey(toolVersions(), playbookOptionsJson(chooseTypeRoots(path.dirname(abs))), graph);
  if (useCache) {
    const entry = readEntry(cacheDir, abs);
    if (entry && isFresh(entry, key, graph.files)) return result(entry.outcome, true);
  }
  const { outcome, files } = opts.isolate ? await checkInChild(abs) : checkWithTypeScript(abs);
  if (useCache) {
    try {
      writeEntry(cacheDir, { key, playbook: abs, files, outcome });
    } catch {
      // A read-only or full cache directory must not fail the check: the next run simply checks again.
    }
  }
  return result(outcome, false);
}
