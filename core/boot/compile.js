// Compiles drover's own .ts (core/, modules/) to plain ESM in dist/, so a run loads no TypeScript machinery.
//
// Why: loading drover's ~90 source files through tsx's off-thread loader cost ~0.35 s CPU per run
// (bench/RESULTS.md); the same graph as plain JS loads in a few tens of milliseconds.
// Plain JavaScript on purpose: bin.js and `npm run prepare` run it before anything can load .ts.
//
// Each dist file keeps the meaning of its source: relative `./x.ts` imports become `./x.js`, and
// `import.meta.url` still names the .ts file, so `new URL('./layers/', import.meta.url)` finds the
// assets next to the sources. `__DROVER_COMPILED__` is true only in dist (see core/self.ts).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.join(ROOT, 'dist');
const SOURCE_DIRS = ['core', 'modules', 'lab'];

/** Every .ts source to compile, relative to ROOT (declaration files have nothing to run). */
export function sourceFiles(root = ROOT) {
  const out = [];
  for (const dir of SOURCE_DIRS) {
    if (!fs.existsSync(path.join(root, dir))) continue;
    for (const entry of fs.readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        out.push(path.relative(root, path.join(entry.parentPath ?? entry.path, entry.name)));
      }
    }
  }
  return out.sort();
}

/**
 * True when dist/ is missing, or a source (or this compiler) changed after the last build. An installed
 * package has every mtime set to the same instant by npm, so it never counts as stale.
 */
export function isStale(root = ROOT) {
  // dist/.built is written last: its mtime is the build's, and its presence says the build finished.
  const built = fs.statSync(path.join(root, 'dist', '.built'), { throwIfNoEntry: false });
  if (!built) return true;
  const newest = Math.max(
    fs.statSync(fileURLToPath(import.meta.url)).mtimeMs,
    ...sourceFiles(root).map((f) => fs.statSync(path.join(root, f)).mtimeMs),
  );
  return newest > built.mtimeMs;
}

/** Relative `.ts` specifiers in esbuild's output (it always prints double quotes) become `.js`. */
export function rewriteImports(code) {
  return code.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"(\.\.?\/[^"\n]*)\.ts"/g, '$1"$2.js"');
}

/** Writes `text` to `file` through a temp file and rename: a concurrent reader sees the old or the new file, never half. */
function writeAtomic(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Compiles every source into dist/ (about 0.2 s); removes dist files whose source is gone. */
export async function compile(root = ROOT) {
  const esbuild = await import('esbuild');
  const dist = path.join(root, 'dist');
  const wanted = new Set();
  await Promise.all(
    sourceFiles(root).map(async (rel) => {
      const src = path.join(root, rel);
      const out = path.join(dist, rel.replace(/\.ts$/, '.js'));
      wanted.add(out);
      const back = path.relative(path.dirname(out), src).split(path.sep).join('/');
      const result = await esbuild.transform(fs.readFileSync(src, 'utf8'), {
        loader: 'ts',
        format: 'esm',
        target: 'node20',
        sourcefile: back,
        // drover's sources use verbatimModuleSyntax: an import without `type` is meant to run.
        tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
        define: { 'import.meta.url': '__drover_source_url', __DROVER_COMPILED__: 'true' },
        banner: `const __drover_source_url = new URL(${JSON.stringify(back)}, import.meta.url).href;`,
      });
      writeAtomic(out, rewriteImports(result.code));
    }),
  );
  for (const entry of fs.readdirSync(dist, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    if (entry.isFile() && file.endsWith('.js') && !wanted.has(file)) fs.rmSync(file, { force: true });
  }
  writeAtomic(path.join(dist, '.built'), `${new Date().toISOString()}\n`);
}

/**
 * The URL of the compiled CLI, compiling first when dist/ is stale. Undefined when dist/ cannot be
 * written (a read-only install without dist/): the caller then loads the sources through tsx.
 */
export async function compiledCli(root = ROOT) {
  if (isStale(root)) {
    try {
      await compile(root);
    } catch (err) {
      if (['EACCES', 'EPERM', 'EROFS'].includes(err?.code)) return undefined;
      throw err;
    }
  }
  return pathToFileURL(path.join(root, 'dist', 'core', 'cli', 'cli.js')).href;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await compile();
  console.log(`compiled ${sourceFiles().length} files into ${path.relative(process.cwd(), DIST) || DIST}`);
}
