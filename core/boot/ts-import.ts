// Imports a site's TypeScript (a playbook, a .ts inventory) without a module-loader thread.
//
// Why not tsx: its register() starts Node's off-thread loader, ~0.1 s per run before the first
// import, and every later import pays a round trip to that thread (bench/RESULTS.md). Here esbuild
// bundles the file with the site's own imports into one ESM file (cached), which Node imports directly:
// - `drover`, `drover/modules` and any of drover's own sources resolve to the modules this process
//   already runs (dist/ or .ts), so the playbook and the runner share one instance of each;
// - packages stay external, resolved from the importing file to an absolute URL (as Node would);
// - each bundled file keeps its own `import.meta.url`, `import.meta.filename` and `import.meta.dirname`;
// - an inline source map, with source maps enabled, keeps stack traces — and so the file:line drover
//   reports for every module call — pointing at the site's .ts lines.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Loader, Message, Plugin } from 'esbuild';
import { droverCacheDir } from './cache-dir.ts';
import { locatedMessage } from '../engine/callsite.ts';
import { DROVER_ROOT, ownModulePath } from './self.ts';
import { hashFile } from '../typecheck/import-graph.ts';
import { writeFileAtomicSync } from './write-atomic.ts';

/** Bare specifiers that name drover itself, and the source each one means. */
const DROVER_ENTRIES: Record<string, string> = {
  drover: 'core/index.ts',
  'drover/modules': 'modules/index.ts',
  'drover/kit': 'modules/kit.ts',
  'drover/lab': 'lab/index.ts',
};
const OWN_SOURCES = ['core', 'modules', 'lab'].map((d) => path.join(DROVER_ROOT, d) + path.sep);
const NESTED = Symbol('drover nested resolve');

type Esbuild = typeof import('esbuild');

/** A bundling failure, with the file:line:col esbuild points at; or the file's top level threw, with the line that threw. */
export class TsImportError extends Error {
  constructor(
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TsImportError';
  }
}

function loaderFor(file: string): Loader {
  const ext = path.extname(file);
  if (ext === '.ts' || ext === '.mts' || ext === '.cts') return 'ts';
  if (ext === '.tsx') return 'tsx';
  if (ext === '.jsx') return 'jsx';
  if (ext === '.json') return 'json';
  return 'js';
}

function sitePlugin(esbuild: Esbuild): Plugin {
  return {
    name: 'drover-site',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData === NESTED) return undefined;
        const entry = DROVER_ENTRIES[args.path];
        if (entry) return { path: pathToFileURL(ownModulePath(entry)).href, external: true };
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const r = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: NESTED,
        });
        if (r.errors.length || r.external || !r.path) return { errors: r.errors, path: r.path, external: r.external };
        if (OWN_SOURCES.some((d) => r.path.startsWith(d))) {
          return { path: pathToFileURL(ownModulePath(path.relative(DROVER_ROOT, r.path))).href, external: true };
        }
        if (r.path.includes(`${path.sep}node_modules${path.sep}`))
          return { path: pathToFileURL(r.path).href, external: true };
        return { path: r.path, sideEffects: r.sideEffects };
      });
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        const text = await fs.promises.readFile(args.path, 'utf8');
        if (!text.includes('import.meta')) return { contents: text, loader: loaderFor(args.path) };
        // Per-file import.meta: transform this one file with its own values, then let the bundle take it.
        const url = pathToFileURL(args.path).href;
        const out = await esbuild.transform(text, {
          loader: loaderFor(args.path),
          format: 'esm',
          target: 'node20',
          sourcefile: args.path,
          sourcemap: 'inline',
          tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
          define: {
            'import.meta.url': JSON.stringify(url),
            'import.meta.filename': JSON.stringify(args.path),
            'import.meta.dirname': JSON.stringify(path.dirname(args.path)),
          },
        });
        return { contents: out.code, loader: 'js' };
      });
    },
  };
}

function describe(messages: readonly Message[], cwd: string): string {
  return messages
    .map((m) => {
      const at = m.location
        ? `${path.relative(cwd, path.resolve(cwd, m.location.file))}:${m.location.line}:${m.location.column + 1}: `
        : '';
      const src = m.location?.lineText ? `\n    ${m.location.lineText}` : '';
      return `${at}${m.text}${src}`;
    })
    .join('\n');
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** What a cached bundle was built from: valid while every input has the same content and every external exists. */
interface BundleMeta {
  format: number;
  /** Bundled files (the site's own), absolute path -> sha256. */
  inputs: Record<string, string>;
  /** Imports left to Node: file: URLs must still exist. */
  externals: string[];
  /** sha256 of the bundle, also the import URL's query (a rebuilt bundle is a new module). */
  hash: string;
}
const META_FORMAT = 1;

function readFresh(metaFile: string, codeFile: string): BundleMeta | undefined {
  let meta: BundleMeta;
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as BundleMeta;
  } catch {
    return undefined;
  }
  if (meta.format !== META_FORMAT || !fs.existsSync(codeFile)) return undefined;
  for (const [file, hash] of Object.entries(meta.inputs)) if (hashFile(file) !== hash) return undefined;
  for (const ext of meta.externals) if (ext.startsWith('file:') && !fs.existsSync(new URL(ext))) return undefined;
  return meta;
}

async function build(file: string, outfile: string): Promise<{ code: Uint8Array; meta: BundleMeta }> {
  const esbuild: Esbuild = await import('esbuild');
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [file],
      outfile,
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'inline',
      sourcesContent: false,
      logLevel: 'silent',
      absWorkingDir: path.dirname(file),
      // The site's files run as written: an import without `type` is meant to run (verbatimModuleSyntax).
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
      plugins: [sitePlugin(esbuild)],
    });
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (errors?.length) throw new TsImportError(describe(errors, process.cwd()), file);
    throw err;
  }
  const code = result.outputFiles[0].contents;
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const abs = path.resolve(path.dirname(file), input);
    inputs[abs] = hashFile(abs) ?? '';
  }
  const externals = Object.values(result.metafile.outputs).flatMap((o) =>
    o.imports.filter((i) => i.external).map((i) => i.path),
  );
  return { code, meta: { format: META_FORMAT, inputs, externals, hash: sha256(Buffer.from(code)) } };
}

/**
 * Imports `file` (absolute; .ts, .mts, .js, ...) and returns its module namespace. Throws
 * TsImportError naming file:line:col when the file or one of its imports cannot be read or parsed,
 * and naming file:line when its top level throws.
 *
 * The bundle is cached in `opts.cacheDir` (default `$XDG_CACHE_HOME/drover/bundles`), one per
 * playbook path and drover install, and reused while every bundled file has the same content: a
 * repeated run does not start esbuild at all. Without a writable cache dir it goes to a temp dir.
 */
export async function importTypeScript(
  file: string,
  opts: { cacheDir?: string } = {},
): Promise<Record<string, unknown>> {
  return (await loadBundle(file, opts)).namespace;
}

/** importTypeScript, also saying whether the cached bundle was used (for tests). */
export async function loadBundle(
  file: string,
  opts: { cacheDir?: string } = {},
): Promise<{ namespace: Record<string, unknown>; cached: boolean }> {
  let dir = opts.cacheDir ?? droverCacheDir('bundles');
  let temp: string | undefined;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    dir = temp = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-import-'));
  }
  try {
    // One entry per playbook and per drover install (a bundle imports that install's modules by path).
    const id = sha256(`${file}\0${ownModulePath('core/index.ts')}`).slice(0, 32);
    const codeFile = path.join(
      dir,
      `${path
        .basename(file)
        .replace(/\.[^.]+$/, '')
        .replace(/[^\w.-]/g, '_')}-${id}.mjs`,
    );
    const metaFile = codeFile.replace(/\.mjs$/, '.json');
    let meta = readFresh(metaFile, codeFile);
    const cached = meta !== undefined;
    if (!meta) {
      const built = await build(file, codeFile);
      writeFileAtomicSync(codeFile, built.code);
      writeFileAtomicSync(metaFile, JSON.stringify(built.meta));
      meta = built.meta;
    }
    // Stack traces through the bundle name the site's .ts lines (callsite.ts reads them).
    process.setSourceMapsEnabled(true);
    let namespace: Record<string, unknown>;
    try {
      namespace = (await import(`${pathToFileURL(codeFile).href}?${meta.hash.slice(0, 16)}`)) as Record<
        string,
        unknown
      >;
    } catch (err) {
      // The site's code threw while it was evaluated (its top level): name the line that threw.
      const located = locatedMessage(err);
      if (err instanceof Error && located !== err.message) throw new TsImportError(located, file, { cause: err });
      throw err;
    }
    return { namespace, cached };
  } finally {
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  }
}
