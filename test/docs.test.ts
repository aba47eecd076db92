// The docs stay walkable and true: every relative link in README.md and docs/ reaches a file (and a heading),
// every source path a page names on its own (`core/events.ts`) exists, and the README's playbook is playbooks/hello.ts.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';

const REPO = path.join(import.meta.dirname, '..');
const PAGES = [
  'README.md',
  'inventory/README.md',
  'bench/measurements.md',
  ...fs
    .readdirSync(path.join(REPO, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.posix.join('docs', f.split(path.sep).join('/'))),
].sort();

/** The page with fenced code blocks blanked (links and paths there are examples, not references); lines keep their numbers. */
function prose(text: string): string {
  return text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, (block) => block.replace(/[^\n]/g, ''));
}

/** GitHub's anchor for a heading: rendered text, lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '');
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(fs.readFileSync(file, 'utf8')).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** [text](target) links outside code; images and autolinks to other sites are not ours to check. */
function links(text: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  const body = prose(text).replace(/`[^`\n]*`/g, (s) => ' '.repeat(s.length));
  for (const m of body.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(m[1])) continue; // https:, mailto:
    out.push({ target: m[1], line: body.slice(0, m.index).split('\n').length });
  }
  return out;
}

test('every relative link in README.md and docs/ points to an existing file and heading', (t) => {
  t.true(PAGES.length > 10, `pages found: ${PAGES.join(', ')}`);
  const broken: string[] = [];
  for (const page of PAGES) {
    const abs = path.join(REPO, page);
    for (const { target, line } of links(fs.readFileSync(abs, 'utf8'))) {
      const [file, anchor] = target.split('#');
      const dest = file ? path.resolve(path.dirname(abs), decodeURIComponent(file)) : abs;
      if (!fs.existsSync(dest)) {
        broken.push(`${page}:${line}: ${target}: no such file ${path.relative(REPO, dest)}`);
      } else if (anchor !== undefined && dest.endsWith('.md') && !anchors(dest).has(anchor)) {
        broken.push(`${page}:${line}: ${target}: no heading #${anchor} in ${path.relative(REPO, dest)}`);
      }
    }
  }
  t.deepEqual(broken, []);
});

// Paths the docs show as examples of a site's own files or of generated output, not files of this repository.
const EXAMPLES = new Set([
  'playbooks/site.ts',
  'playbooks/lib/prepare.ts',
  'bench/out/',
  'bench/out/quick/',
  'bench/out/results/',
]);

test('every repository path a page names as `code` exists', (t) => {
  const missing: string[] = [];
  const top = /^(?:core|modules|lab|test|bench|playbooks|inventory|docs)\/[\w./-]*$/;
  for (const page of PAGES) {
    const text = prose(fs.readFileSync(path.join(REPO, page), 'utf8'));
    for (const m of text.matchAll(/`([^`\n]+)`/g)) {
      const p = m[1].replace(/:\d+$/, '');
      if (!top.test(p) || p.includes('...') || EXAMPLES.has(p)) continue;
      if (!fs.existsSync(path.join(REPO, p)))
        missing.push(`${page}:${text.slice(0, m.index).split('\n').length}: ${p}`);
    }
  }
  t.deepEqual(missing, []);
});

test('the anchor of a heading is GitHub’s', (t) => {
  t.is(slug('Partial runs: `--phase` and `--start-at`'), 'partial-runs---phase-and---start-at');
  t.is(slug('Retrying a step: `retry(fn, options)`'), 'retrying-a-step-retryfn-options');
  t.is(slug('Set up (Debian 12, as root, Node >= 20.19)'), 'set-up-debian-12-as-root-node--2019');
});

test('the README shows playbooks/hello.ts as it is (the file its lab test runs)', (t) => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const file = fs.readFileSync(path.join(REPO, 'playbooks/hello.ts'), 'utf8');
  t.true(readme.includes('```ts\n' + file + '```'), 'README.md must contain playbooks/hello.ts verbatim');
});
