import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as drover from '../../core/index.ts';
import * as modules from '../../modules/index.ts';
import { isPlaybook } from '../../core/playbook.ts';
import { importTypeScript, TsImportError } from '../../core/ts-import.ts';

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

test('the bundle is written to a private temp directory and removed after the import', async (t) => {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-ts-import-root-'));
  t.teardown(() => fs.rmSync(tmpDir, { recursive: true, force: true }));
  await importTypeScript(path.join(FIXTURES, 'playbook.ts'), { tmpDir });
  t.deepEqual(fs.readdirSync(tmpDir), []);
  await t.throwsAsync(importTypeScript(path.join(FIXTURES, 'no-such.ts'), { tmpDir }), { instanceOf: TsImportError });
  t.deepEqual(fs.readdirSync(tmpDir), []);
});
