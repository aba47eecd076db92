// Builds the ts-morph Project for one playbook; ts-morph is loaded lazily so a cache hit never pays for it.
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TsMorph from 'ts-morph';
import { chooseTypeRoots, playbookOptionsJson } from './compiler-options.ts';
import { hashFile } from './import-graph.ts';

const require = createRequire(import.meta.url);
let tsMorph: typeof TsMorph | undefined;

/** ts-morph (and its bundled TypeScript) costs ~250 ms to load: only pay when a Program is needed. */
export function loadTsMorph(): typeof TsMorph {
  tsMorph ??= require('ts-morph') as typeof TsMorph;
  return tsMorph;
}

export interface PlaybookProject {
  project: TsMorph.Project;
  /** The playbook's source file. */
  playbook: TsMorph.SourceFile;
  program: TsMorph.ts.Program;
}

/** A Project holding the playbook and everything it imports, with drover's fixed compiler options. */
export function createPlaybookProject(file: string): PlaybookProject {
  const { Project, ts } = loadTsMorph();
  const abs = path.resolve(file);
  const json = playbookOptionsJson(chooseTypeRoots(path.dirname(abs)));
  const converted = ts.convertCompilerOptionsFromJson(json, path.dirname(abs));
  if (converted.errors.length > 0) {
    // Only reachable if the fixed options above are wrong: a drover bug, not the user's.
    throw new Error(
      `drover's playbook compiler options are invalid: ${converted.errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, ' ')).join('; ')}`,
    );
  }
  const project = new Project({ compilerOptions: converted.options, skipAddingFilesFromTsConfig: true });
  const playbook = project.addSourceFileAtPath(abs);
  project.resolveSourceFileDependencies();
  return { project, playbook, program: project.getProgram().compilerObject };
}

/** Files drover reports on: everything in the program except what lives under node_modules. */
export function isUnderNodeModules(file: string): boolean {
  return file.split(/[\\/]/).includes('node_modules');
}

/**
 * Every file the Program really read → sha256, for a cache entry to re-verify on a hit: all but
 * TypeScript's lib files and declaration files under node_modules (covered by package versions in the key);
 * drover's .ts sources inside node_modules are hashed, their content matters.
 */
export function programFileHashes(program: TsMorph.ts.Program): Record<string, string> {
  const files: Record<string, string> = {};
  for (const sf of program.getSourceFiles()) {
    if (program.isSourceFileDefaultLibrary(sf)) continue;
    if (!isUnderNodeModules(sf.fileName) || !sf.isDeclarationFile)
      files[path.resolve(sf.fileName)] = hashFile(sf.fileName) ?? '';
  }
  return files;
}
