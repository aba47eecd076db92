// `drover list` and --phase/--start-at read the outline from a cache keyed by content, like the type check.
import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { entryPath, readEntry } from '../../../core/typecheck/cache.ts';
import { outlinePlaybook } from '../../../core/typecheck/outline.ts';
import type { OutlineItem, PhaseOutline } from '../../../core/typecheck/outline-types.ts';
import { writeFileAtomicSync } from '../../../core/boot/write-atomic.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'playbooks');

/** A site with drover in node_modules (its .ts sources) and the fixture playbooks, as check.test.ts builds it. */
function makeSite(t: ExecutionContext): { dir: string; cacheDir: string; book: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-outline-cache-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const pkg = path.join(dir, 'node_modules', 'drover');
  fs.mkdirSync(pkg, { recursive: true });
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(pkg, 'package.json'));
  fs.cpSync(path.join(REPO, 'core'), path.join(pkg, 'core'), {
    recursive: true,
    filter: (src) => fs.statSync(src).isDirectory() || src.endsWith('.ts'),
  });
  fs.mkdirSync(path.join(dir, 'playbooks', 'lib'), { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, 'clean.ts'), path.join(dir, 'playbooks', 'clean.ts'));
  fs.copyFileSync(path.join(FIXTURES, 'lib', 'touch.ts'), path.join(dir, 'playbooks', 'lib', 'touch.ts'));
  return { dir, cacheDir: path.join(dir, 'cache'), book: path.join(dir, 'playbooks', 'clean.ts') };
}

/**
 * Marks the cached outline so a hit is told from a fresh read: a hit returns the mark, a miss the
 * playbook's real phase name (and rewrites the entry).
 */
function poison(cacheDir: string, book: string): void {
  const entry = readEntry<OutlineItem[]>(cacheDir, book)!;
  (entry.outcome[0] as PhaseOutline).name = 'FROM-CACHE';
  writeFileAtomicSync(entryPath(cacheDir, book), JSON.stringify(entry));
}
const firstPhase = (items: OutlineItem[]) => (items[0] as PhaseOutline).name;

test('the outline is cached by content: hit when nothing changed, miss when an imported file, the playbook or the cwd changes', (t) => {
  const { dir, cacheDir, book } = makeSite(t);
  const opts = { cwd: dir, cacheDir };
  let started = performance.now();
  const cold = outlinePlaybook('playbooks/clean.ts', opts);
  const coldMs = performance.now() - started;
  t.is(firstPhase(cold), 'Touch');
  t.truthy(readEntry(cacheDir, book), 'an entry was written');

  poison(cacheDir, book);
  started = performance.now();
  const warm = outlinePlaybook('playbooks/clean.ts', opts);
  t.log(`cold ${coldMs.toFixed(0)} ms, cached ${(performance.now() - started).toFixed(1)} ms`);
  t.is(firstPhase(warm), 'FROM-CACHE', 'unchanged sources: answered from the cache');
  t.deepEqual({ ...warm[0], name: 'Touch' }, cold[0], 'the cached outline is the whole outline');

  // An edited import: a miss, and the entry is rewritten from the source.
  fs.appendFileSync(path.join(dir, 'playbooks/lib/touch.ts'), '\n// edited\n');
  t.is(firstPhase(outlinePlaybook('playbooks/clean.ts', opts)), 'Touch', 'an imported file changed: read again');
  poison(cacheDir, book);
  t.is(firstPhase(outlinePlaybook('playbooks/clean.ts', opts)), 'FROM-CACHE');

  // The playbook itself: a renamed phase shows at once.
  fs.writeFileSync(book, fs.readFileSync(book, 'utf8').replace("play.each('Touch'", "play.each('Touch all'"));
  t.is(firstPhase(outlinePlaybook('playbooks/clean.ts', opts)), 'Touch all');

  // Outline paths are relative to the cwd: another cwd is another outline.
  poison(cacheDir, book);
  const elsewhere = outlinePlaybook(book, { cwd: path.join(dir, 'playbooks'), cacheDir });
  t.is(firstPhase(elsewhere), 'Touch all');
  t.is((elsewhere[0] as PhaseOutline).file, 'clean.ts');

  // cache: false neither reads nor writes.
  poison(cacheDir, book);
  t.is(firstPhase(outlinePlaybook(book, { cwd: path.join(dir, 'playbooks'), cacheDir, cache: false })), 'Touch all');
  t.is(firstPhase(outlinePlaybook(book, { cwd: path.join(dir, 'playbooks'), cacheDir })), 'FROM-CACHE');
});
