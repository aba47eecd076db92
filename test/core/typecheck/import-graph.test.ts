import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importSpecifiers, resolveExports, resolveImport, walkImports } from '../../../core/typecheck/import-graph.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

test('importSpecifiers finds static, type-only, re-export, side-effect, dynamic and reference imports', (t) => {
  const text = `/// <reference path="globals.d.ts" />
import { a } from './a.ts';
import type {
  B,
  C,
} from "./types.js";
export * from './re.ts';
import './side.ts';
const m = await import('drover/modules');
type T = import('./t.ts').T;
import x = require('./legacy.ts');
`;
  t.deepEqual(
    importSpecifiers(text).sort(),
    [
      './a.ts',
      './globals.d.ts',
      './legacy.ts',
      './re.ts',
      './side.ts',
      './t.ts',
      './types.js',
      'drover/modules',
    ].sort(),
  );
});

test('resolveExports follows drover-style maps, nested conditions and * patterns', (t) => {
  const drover = { '.': './core/index.ts', './modules': './modules/index.ts', './package.json': './package.json' };
  t.is(resolveExports(drover, '.'), './core/index.ts');
  t.is(resolveExports(drover, './modules'), './modules/index.ts');
  t.is(resolveExports(drover, './nope'), undefined);
  t.is(resolveExports({ '.': { types: './d/index.d.ts', import: './i.js' } }, '.'), './d/index.d.ts');
  t.is(resolveExports({ require: './c.cjs', default: './m.js' }, '.'), './m.js');
  t.is(resolveExports({ './lib/*': './src/*.ts' }, './lib/x'), './src/x.ts');
  t.is(resolveExports('./only.js', '.'), './only.js');
});

test('resolveImport: .js names the .ts file; drover resolves to its .ts sources; declaration packages become versions', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-import-graph-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'lib.ts'), 'export const x = 1;\n');
  const importer = path.join(dir, 'main.ts');
  t.deepEqual(resolveImport('./lib.js', importer), { kind: 'source', file: path.join(dir, 'lib.ts') });
  t.deepEqual(resolveImport('./lib', importer), { kind: 'source', file: path.join(dir, 'lib.ts') });
  t.is(resolveImport('./missing.ts', importer).kind, 'external');
  t.deepEqual(resolveImport('node:fs', importer), { kind: 'builtin' });
  // Self-reference inside this repo: 'drover' → core/index.ts by package.json exports.
  t.deepEqual(resolveImport('drover', path.join(REPO, 'playbooks', 'x.ts')), {
    kind: 'source',
    file: path.join(REPO, 'core', 'index.ts'),
  });
  const yaml = resolveImport('yaml', path.join(REPO, 'core', 'x.ts'));
  t.is(yaml.kind, 'external');
  t.regex(yaml.kind === 'external' ? yaml.id : '', /^pkg:yaml@\d+\.\d+\.\d+:/);
});

test('walkImports hashes every file reached and nothing else', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-import-walk-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(
    path.join(dir, 'main.ts'),
    "import { a } from './a.ts';\nimport data from './data.json' with { type: 'json' };\n",
  );
  fs.writeFileSync(path.join(dir, 'a.ts'), "export { b as a } from './b.ts';\n");
  fs.writeFileSync(path.join(dir, 'b.ts'), 'export const b = 1;\n');
  fs.writeFileSync(path.join(dir, 'data.json'), '{}');
  fs.writeFileSync(path.join(dir, 'unrelated.ts'), '');
  const g = walkImports(path.join(dir, 'main.ts'));
  t.deepEqual([...g.files.keys()].map((f) => path.basename(f)).sort(), ['a.ts', 'b.ts', 'data.json', 'main.ts']);
  t.deepEqual([...g.externals], []);
});
