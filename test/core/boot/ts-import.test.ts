import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as drover from '../../../core/index.ts';
import * as modules from '../../../modules/index.ts';
import { isPlaybook } from '../../../core/playbook.ts';
import { importTypeScript, loadBundle, TsImportError } from '../../../core/boot/ts-import.ts';

const FIXTURES = path.resolve('test/fixtures/ts-import');

test('a playbook gets the very drover modules this process runs, its packages, and its own import.meta', async (t) => {
  const file = path.join(FIXTURES, 'playbook.ts');
  const m = await importTypeScript(file);
  // One instance of drover: `drover`, `drover/modules` and a relative path into core/ are what the runner uses.
  t.is(m.sh, drover.sh);
  t.is(m.shByPath, drover.sh);
  t.is(m.command, modules.command);
  t.true(isPlaybook(m.default));
  t.deepEqual(m.parsed, { a: 1 });
  t.is(m.ownUrl, pathToFileURL(file).href);
  t.is(m.helperUrl, pathToFileURL(path.join(FIXTURES, 'lib', 'helper.ts')).href);
  t.is(m.helperDir, path.join(FIXTURES, 'lib'));
  // Stack traces name the .ts file and line (callsite.ts depends on it).
  t.regex((m.where as () => string)(), /test\/fixtures\/ts-import\/lib\/helper\.ts:7:\d+/);
});

function brokenCopy(t: import('ava').ExecutionContext, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-ts-import-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, name.replace(/\.txt$/, ''));
  fs.copyFileSync(path.join(FIXTURES, name), file);
  return file;
}

test('a syntax error names file:line:col and the line', async (t) => {
  const file = brokenCopy(t, 'syntax-error.ts.txt');
  const err = await t.throwsAsync(importTypeScript(file), { instanceOf: TsImportError });
  t.regex(err!.message, /syntax-error\.ts:3:\d+: Unexpected ";"/);
  t.regex(err!.message, /export const broken = ;/);
});

test('an import that does not resolve names the importing file and line', async (t) => {
  const file = brokenCopy(t, 'missing-import.ts.txt');
  const err = await t.throwsAsync(importTypeScript(file), { instanceOf: TsImportError });
  t.regex(err!.message, /missing-import\.ts:2:\d+: Could not resolve "\.\/not-here\.ts"/);
});

test('the bundle is cached: reused while the files are unchanged, rebuilt when one changes', async (t) => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-ts-import-cache-'));
  const site = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-ts-import-site-'));
  t.teardown(() => {
    fs.rmSync(cacheDir, { recursive: true, force: true });
    fs.rmSync(site, { recursive: true, force: true });
  });
  fs.writeFileSync(
    path.join(site, 'book.ts'),
    `import { value } from './lib.ts';\nexport const got: number = value;\n`,
  );
  fs.writeFileSync(path.join(site, 'lib.ts'), `export const value: number = 1;\n`);
  const book = path.join(site, 'book.ts');

  const first = await loadBundle(book, { cacheDir });
  t.false(first.cached);
  t.is(first.namespace.got, 1);
  t.deepEqual(
    fs
      .readdirSync(cacheDir)
      .map((f) => path.extname(f))
      .sort(),
    ['.json', '.mjs'],
  );
  const again = await loadBundle(book, { cacheDir });
  t.true(again.cached);
  t.is(again.namespace, first.namespace, 'same bundle, same module');

  fs.writeFileSync(path.join(site, 'lib.ts'), `export const value: number = 2;\n`);
  const edited = await loadBundle(book, { cacheDir });
  t.false(edited.cached, 'an imported file changed');
  t.is(edited.namespace.got, 2);
  t.is(fs.readdirSync(cacheDir).length, 2, 'one entry per playbook, replaced');
});

test('a failed build writes nothing to the cache', async (t) => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-ts-import-cache-'));
  t.teardown(() => fs.rmSync(cacheDir, { recursive: true, force: true }));
  await t.throwsAsync(loadBundle(path.join(FIXTURES, 'no-such.ts'), { cacheDir }), { instanceOf: TsImportError });
  t.deepEqual(fs.readdirSync(cacheDir), []);
});
