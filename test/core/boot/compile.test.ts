import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
// @ts-expect-error -- plain JavaScript without declarations (it runs before anything can load .ts)
import { compile, isStale, rewriteImports, sourceFiles } from '../../../core/boot/compile.js';

/** A tiny package root shaped like drover's: core/ and modules/ with .ts sources. */
function makeRoot(t: import('ava').ExecutionContext): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-compile-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, 'core', 'sub'), { recursive: true });
  fs.mkdirSync(path.join(root, 'modules'));
  fs.writeFileSync(path.join(root, 'package.json'), '{"type":"module"}');
  fs.writeFileSync(
    path.join(root, 'core', 'a.ts'),
    `import { b } from './sub/b.ts';
import type { Unused } from './sub/b.ts';
declare const __DROVER_COMPILED__: boolean | undefined;
export const compiled: boolean = typeof __DROVER_COMPILED__ !== 'undefined' && __DROVER_COMPILED__;
export const url: string = import.meta.url;
export const asset: string = new URL('./asset.txt', import.meta.url).pathname;
export const lazy = () => import('./sub/b.ts');
export { b };
export type X = Unused;
`,
  );
  fs.writeFileSync(
    path.join(root, 'core', 'sub', 'b.ts'),
    `export const b: number = 2;\nexport interface Unused { x: 1 }\n`,
  );
  fs.writeFileSync(path.join(root, 'core', 'types.d.ts'), `export {};\n`);
  fs.writeFileSync(path.join(root, 'modules', 'm.ts'), `import './../core/sub/b.ts';\nexport const m = 'm';\n`);
  return root;
}

test('sources compile to dist/ with .js imports, and import.meta.url still names the .ts source', async (t) => {
  const root = makeRoot(t);
  t.deepEqual(sourceFiles(root), ['core/a.ts', 'core/sub/b.ts', 'modules/m.ts']);
  t.true(isStale(root), 'no dist yet');
  await compile(root);
  t.false(isStale(root));
  const a = await import(pathToFileURL(path.join(root, 'dist', 'core', 'a.js')).href);
  t.true(a.compiled);
  t.is(a.b, 2);
  t.is(a.url, pathToFileURL(path.join(root, 'core', 'a.ts')).href);
  t.is(a.asset, path.join(root, 'core', 'asset.txt'));
  t.is((await a.lazy()).b, 2);
  t.is((await import(pathToFileURL(path.join(root, 'dist', 'modules', 'm.js')).href)).m, 'm');
  t.false(fs.existsSync(path.join(root, 'dist', 'core', 'types.js')), 'declaration files are not compiled');
});

test('an edited source makes dist stale; a rebuild removes the output of a deleted source', async (t) => {
  const root = makeRoot(t);
  await compile(root);
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(path.join(root, 'core', 'sub', 'b.ts'), later, later);
  t.true(isStale(root));
  fs.rmSync(path.join(root, 'modules', 'm.ts'));
  await compile(root);
  t.false(fs.existsSync(path.join(root, 'dist', 'modules', 'm.js')));
  t.true(fs.existsSync(path.join(root, 'dist', 'core', 'a.js')));
});

test('rewriteImports touches relative .ts specifiers of imports only', (t) => {
  t.is(rewriteImports('import { a } from "./a.ts";'), 'import { a } from "./a.js";');
  t.is(rewriteImports('export * from "../x/b.ts";'), 'export * from "../x/b.js";');
  t.is(rewriteImports('const m = await import("./lazy.ts");'), 'const m = await import("./lazy.js");');
  t.is(rewriteImports('import "./side.ts";'), 'import "./side.js";');
  t.is(rewriteImports('import x from "pkg/file.ts";'), 'import x from "pkg/file.ts";');
  t.is(rewriteImports('const s = "./not-an-import.ts";'), 'const s = "./not-an-import.ts";');
});
