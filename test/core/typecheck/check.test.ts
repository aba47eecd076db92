import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../../core/errors.ts';
import { defaultCacheDir, isFresh, readEntry } from '../../../core/typecheck/cache.ts';
import { hashFile } from '../../../core/typecheck/import-graph.ts';
import { checkInChild } from '../../../core/typecheck/child-process.ts';
import { formatDiagnostic, typecheckPlaybook } from '../../../core/typecheck/index.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'playbooks');

/**
 * A site as users have it: drover installed into node_modules (package.json + .ts sources, as from the
 * tarball) and the fixture playbooks under playbooks/, the broken ones renamed from .ts.txt to .ts.
 */
function makeSite(t: ExecutionContext): { dir: string; cacheDir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-typecheck-test-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const pkg = path.join(dir, 'node_modules', 'drover');
  fs.mkdirSync(pkg, { recursive: true });
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(pkg, 'package.json'));
  fs.cpSync(path.join(REPO, 'core'), path.join(pkg, 'core'), {
    recursive: true,
    filter: (src) => fs.statSync(src).isDirectory() || src.endsWith('.ts'),
  });
  const books = path.join(dir, 'playbooks');
  fs.cpSync(FIXTURES, books, { recursive: true });
  for (const file of fs.readdirSync(books, { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.ts.txt'))
      fs.renameSync(path.join(books, file), path.join(books, file.slice(0, -'.txt'.length)));
  }
  return { dir, cacheDir: path.join(dir, 'cache') };
}

const append = (file: string, text: string): void => fs.appendFileSync(file, text);

test('a clean playbook is ok, then cached, and editing any file it imports invalidates the cache', async (t) => {
  const { dir, cacheDir } = makeSite(t);
  const opts = { cacheDir, cwd: dir };

  let started = performance.now();
  const cold = await typecheckPlaybook('playbooks/clean.ts', opts);
  const coldMs = performance.now() - started;
  t.deepEqual(cold, { ok: true, diagnostics: [], cached: false, requiredHostVars: ['role'], requiredPlayVars: [] });
  t.truthy(readEntry(cacheDir, path.join(dir, 'playbooks/clean.ts')), 'an entry was written');

  started = performance.now();
  const warm = await typecheckPlaybook('playbooks/clean.ts', opts);
  const warmMs = performance.now() - started;
  t.deepEqual(warm, { ...cold, cached: true });
  t.log(`cold ${coldMs.toFixed(0)} ms, cached ${warmMs.toFixed(1)} ms`);

  // A local file the playbook imports.
  append(path.join(dir, 'playbooks/lib/touch.ts'), '\n// edited\n');
  t.is((await typecheckPlaybook('playbooks/clean.ts', opts)).cached, false);
  t.is((await typecheckPlaybook('playbooks/clean.ts', opts)).cached, true);

  // drover's own sources in node_modules count too: a new drover version changes what is checked.
  append(path.join(dir, 'node_modules/drover/core/playbook.ts'), '\n// edited\n');
  t.is((await typecheckPlaybook('playbooks/clean.ts', opts)).cached, false);

  // An edit that breaks the playbook is seen at once, not hidden by the cache.
  append(path.join(dir, 'playbooks/clean.ts'), '\nexport const broken: number = "x";\n');
  const broken = await typecheckPlaybook('playbooks/clean.ts', opts);
  t.false(broken.ok);
  t.false(broken.cached);
  t.like(broken.diagnostics[0], { file: 'playbooks/clean.ts', line: 15, code: 'TS2322' });
});

test('a type error is reported with file, line, column, code and source line', async (t) => {
  const { dir, cacheDir } = makeSite(t);
  const r = await typecheckPlaybook('playbooks/type-error.ts', { cacheDir, cwd: dir });
  t.false(r.ok);
  t.false(r.cached);
  t.deepEqual(r.diagnostics, [
    {
      file: 'playbooks/type-error.ts',
      line: 7,
      column: 25,
      message: "Type 'number' is not assignable to type 'string'.",
      sourceLine: '    await touch(host, { path: 42 });',
      code: 'TS2322',
      category: 'error',
      length: 4,
    },
  ]);
  t.is(
    formatDiagnostic(r.diagnostics[0]),
    [
      "playbooks/type-error.ts:7:25 - error TS2322: Type 'number' is not assignable to type 'string'.",
      '',
      '7      await touch(host, { path: 42 });',
      '                           ^^^^',
    ].join('\n'),
  );
  // Errors are cached like successes (same content, same answer), and come back with the same paths.
  const again = await typecheckPlaybook(path.join(dir, 'playbooks/type-error.ts'), { cacheDir, cwd: dir });
  t.deepEqual(again, { ...r, cached: true });
});

test('an error in a file the playbook imports is reported at that file', async (t) => {
  const { dir, cacheDir } = makeSite(t);
  const r = await typecheckPlaybook('playbooks/helper-error.ts', { cacheDir, cwd: dir });
  t.false(r.ok);
  t.is(r.diagnostics.length, 1);
  t.like(r.diagnostics[0], {
    file: 'playbooks/lib/broken.ts',
    line: 3,
    column: 9,
    code: 'TS2322',
    sourceLine: '  const count: string = names.length;',
  });
});

test('errors inside node_modules (an installed drover) are not the site’s and are not reported', async (t) => {
  const { dir, cacheDir } = makeSite(t);
  append(path.join(dir, 'node_modules/drover/core/secret.ts'), '\nexport const notAString: string = 1;\n');
  const r = await typecheckPlaybook('playbooks/clean.ts', { cacheDir, cwd: dir });
  t.deepEqual(r.diagnostics, []);
  t.true(r.ok);
});

test('required vars are the non-optional fields of H and P (interfaces, aliases, intersections)', async (t) => {
  const { dir, cacheDir } = makeSite(t);
  const r = await typecheckPlaybook('playbooks/required-vars.ts', { cacheDir, cwd: dir });
  t.true(r.ok, r.diagnostics.map(formatDiagnostic).join('\n'));
  t.deepEqual(r.requiredHostVars, ['bridge', 'drbd_minor_count', 'lvm_vg']);
  t.deepEqual(r.requiredPlayVars, ['cluster_name', 'master']);
  // From the cache, the same lists.
  const again = await typecheckPlaybook('playbooks/required-vars.ts', { cacheDir, cwd: dir });
  t.true(again.cached);
  t.deepEqual([again.requiredHostVars, again.requiredPlayVars], [r.requiredHostVars, r.requiredPlayVars]);
});

test('a default export that is not a playbook is an error', async (t) => {
  const { dir, cacheDir } = makeSite(t);
  const r = await typecheckPlaybook('playbooks/not-a-playbook.ts', { cacheDir, cwd: dir });
  t.false(r.ok);
  t.is(r.diagnostics.length, 1);
  t.like(r.diagnostics[0], { file: 'playbooks/not-a-playbook.ts', code: 'DROVER1', line: 0 });
  t.regex(
    formatDiagnostic(r.diagnostics[0]),
    /^playbooks\/not-a-playbook\.ts - error DROVER1: the default export is not a drover playbook/,
  );
});

test('a missing playbook is a usage error naming the path', async (t) => {
  const { dir, cacheDir } = makeSite(t);
  const err = await t.throwsAsync(typecheckPlaybook('playbooks/nope.ts', { cacheDir, cwd: dir }), {
    instanceOf: UsageError,
  });
  t.regex(err.message, /playbook not found: playbooks\/nope\.ts/);
});

test('in this repo a playbook imports drover through the package self-reference', async (t) => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-typecheck-repo-'));
  t.teardown(() => fs.rmSync(cacheDir, { recursive: true, force: true }));
  const r = await typecheckPlaybook(path.join(FIXTURES, 'outline.ts'), { cacheDir, cwd: REPO });
  t.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  t.deepEqual([r.requiredHostVars, r.requiredPlayVars], [['role', 'disks'], ['master']]);
  const entry = readEntry(cacheDir, path.join(FIXTURES, 'outline.ts'));
  // The Program's files (what the cache re-verifies) include drover's sources, resolved via package.json exports.
  t.true(Object.keys(entry!.files).includes(path.join(REPO, 'core', 'playbook.ts')));
});

test('a cache entry goes stale when a file the Program used changes, even one the import walk missed', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-typecheck-fresh-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'seen-only-by-typescript.ts');
  fs.writeFileSync(file, 'export const a = 1;\n');
  const entry = {
    format: 2,
    key: 'k',
    playbook: path.join(dir, 'p.ts'),
    files: { [file]: hashFile(file)! },
    outcome: { ok: true, diagnostics: [], requiredHostVars: [], requiredPlayVars: [] },
  };
  t.true(isFresh(entry, 'k', new Map()));
  t.false(isFresh(entry, 'other', new Map()), 'key differs');
  fs.writeFileSync(file, 'export const a = 2;\n');
  t.false(isFresh(entry, 'k', new Map()), 'content differs');
  fs.rmSync(file);
  t.false(isFresh(entry, 'k', new Map()), 'file gone');
});

test('the default cache directory follows XDG_CACHE_HOME', (t) => {
  t.is(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/x' }), '/var/cache/x/drover/typecheck');
  t.is(defaultCacheDir({}), path.join(os.homedir(), '.cache', 'drover', 'typecheck'));
  t.is(defaultCacheDir({ XDG_CACHE_HOME: 'relative' }), path.join(os.homedir(), '.cache', 'drover', 'typecheck'));
});

test('isolate: the Program is built in a child process, with the same answer as in-process', async (t) => {
  const { dir, cacheDir } = makeSite(t);
  const inProcess = await typecheckPlaybook('playbooks/type-error.ts', { cache: false, cwd: dir });
  const isolated = await typecheckPlaybook('playbooks/type-error.ts', { cacheDir, cwd: dir, isolate: true });
  t.deepEqual(isolated, inProcess);
  t.false(isolated.ok);
  // The child's answer is cached like an in-process one.
  t.true((await typecheckPlaybook('playbooks/type-error.ts', { cacheDir, cwd: dir, isolate: true })).cached);
});

test('isolate: a child that cannot check says which file, how it ended, and what it printed', async (t) => {
  const missing = path.join(os.tmpdir(), 'drover-no-such-playbook.ts');
  const err = await t.throwsAsync(checkInChild(missing));
  t.true(err!.message.startsWith(`the type-check process for ${missing} failed (exit code 1):`), err!.message);
  t.regex(err!.message, /drover-no-such-playbook\.ts/);
});
