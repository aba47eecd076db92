// The compiler options drover checks every playbook with: the repo's tsconfig.json, fixed, plus where @types/node lives.
import fs from 'node:fs';
import path from 'node:path';
import { DROVER_ROOT } from '../boot/self.ts';

export { DROVER_ROOT };

/**
 * tsconfig.json form of the options. A site's own tsconfig.json is deliberately not read: a site may
 * have none, and a playbook must type-check the same way on every machine that runs it.
 */
export const PLAYBOOK_COMPILER_OPTIONS = {
  target: 'ES2022',
  module: 'preserve',
  moduleResolution: 'bundler',
  allowImportingTsExtensions: true,
  noEmit: true,
  strict: true,
  skipLibCheck: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  verbatimModuleSyntax: true,
  lib: ['ES2023'],
} as const;

export interface TypeRootsChoice {
  /** The node_modules/@types directory holding @types/node, or null when none was found. */
  typeRoot: string | null;
  /** Version of that @types/node (part of the cache key). */
  nodeTypesVersion: string | null;
}

/** Walks up from `dir` looking for node_modules/@types/node. */
function findNodeTypes(dir: string): string | null {
  for (let d = dir; ; d = path.dirname(d)) {
    const candidate = path.join(d, 'node_modules', '@types');
    if (fs.existsSync(path.join(candidate, 'node', 'package.json'))) return candidate;
    if (path.dirname(d) === d) return null;
  }
}

/**
 * `types: ['node']` needs @types/node: the site's own if it has one, else the one next to drover.
 * Without any, `types` is left empty and uses of node APIs surface as ordinary errors.
 */
export function chooseTypeRoots(playbookDir: string): TypeRootsChoice {
  const typeRoot = findNodeTypes(playbookDir) ?? findNodeTypes(DROVER_ROOT);
  if (!typeRoot) return { typeRoot: null, nodeTypesVersion: null };
  const pkg = JSON.parse(fs.readFileSync(path.join(typeRoot, 'node', 'package.json'), 'utf8')) as { version?: string };
  return { typeRoot, nodeTypesVersion: pkg.version ?? null };
}

/** The full tsconfig-form options for one playbook (JSON: hashed into the cache key). */
export function playbookOptionsJson(choice: TypeRootsChoice): Record<string, unknown> {
  return choice.typeRoot
    ? { ...PLAYBOOK_COMPILER_OPTIONS, types: ['node'], typeRoots: [choice.typeRoot] }
    : { ...PLAYBOOK_COMPILER_OPTIONS, types: [] };
}
