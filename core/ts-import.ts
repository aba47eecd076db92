// Imports a site's TypeScript (a playbook, a .ts inventory) without a module-loader thread.
//
// Why not tsx: its register() starts Node's off-thread loader, ~0.1 s per run before the first
// import, and every later import pays a round trip to that thread (bench/RESULTS.md). Here esbuild
// bundles the file with the site's own imports into one ESM file, which Node imports directly:
// - `drover`, `drover/modules` and any of drover's own sources resolve to the modules this process
//   already runs (dist/ or .ts), so the playbook and the runner share one instance of each;
// - packages stay external, resolved from the importing file to an absolute URL (as Node would);
// - each bundled file keeps its own `import.meta.url`, `import.meta.filename` and `import.meta.dirname`;
// - an inline source map, with source maps enabled, keeps stack traces — and so the file:line drover
//   reports for every module call — pointing at the site's .ts lines.
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Loader, Message, Plugin } from 'esbuild';
import { DROVER_ROOT, ownModulePath } from './self.ts';

/** Bare specifiers that name drover itself, and the source each one means. */
const DROVER_ENTRIES: Record<string, string> = { drover: 'core/index.ts', 'drover/modules': 'modules/index.ts' };
const OWN_SOURCES = ['core', 'modules'].map((d) => path.join(DROVER_ROOT, d) + path.sep);
const NESTED = Symbol('drover nested resolve');

type Esbuild = typeof import('esbuild');

/** A bundling failure, with the file:line:col esbuild points at. */
export class TsImportError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
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
        const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: NESTED });
        if (r.errors.length || r.external || !r.path) return { errors: r.errors, path: r.path, external: r.external };
        if (OWN_SOURCES.some((d) => r.path.startsWith(d))) {
          return { path: pathToFileURL(ownModulePath(path.relative(DROVER_ROOT, r.path))).href, external: true };
        }
        if (r.path.includes(`${path.sep}node_modules${path.sep}`)) return { path: pathToFileURL(r.path).href, external: true };
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
      const at = m.location ? `${path.relative(cwd, path.resolve(cwd, m.location.file))}:${m.location.line}:${m.location.column + 1}: ` : '';
      const src = m.location?.lineText ? `\n    ${m.location.lineText}` : '';
      return `${at}${m.text}${src}`;
    })
    .join('\n');
}

/**
 * Imports `file` (absolute; .ts, .mts, .js, ...) and returns its module namespace. Throws
 * TsImportError naming file:line:col when the file or one of its imports cannot be read or parsed.
 * The bundle goes to a fresh directory under `opts.tmpDir` (default the OS temp dir), removed after.
 */
export async function importTypeScript(file: string, opts: { tmpDir?: string } = {}): Promise<Record<string, unknown>> {
  const esbuild: Esbuild = await import('esbuild');
  const dir = fs.mkdtempSync(path.join(opts.tmpDir ?? os.tmpdir(), 'drover-import-'));
  const outfile = path.join(dir, `${path.basename(file).replace(/\.[^.]+$/, '')}.mjs`);
  try {
    let result;
    try {
      result = await esbuild.build({
        entryPoints: [file],
        outfile,
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        sourcemap: 'inline',
        sourcesContent: false,
        logLevel: 'silent',
        // The site's files run as written: an import without `type` is meant to run (verbatimModuleSyntax).
        tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
        plugins: [sitePlugin(esbuild)],
      });
    } catch (err) {
      const errors = (err as { errors?: Message[] }).errors;
      if (errors?.length) throw new TsImportError(describe(errors, process.cwd()), file);
      throw err;
    }
    fs.writeFileSync(outfile, result.outputFiles[0].contents);
    // Stack traces through the bundle name the site's .ts lines (callsite.ts reads them).
    process.setSourceMapsEnabled(true);
    return (await import(pathToFileURL(outfile).href)) as Record<string, unknown>;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
