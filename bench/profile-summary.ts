// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per file/package and the hottest functions.
//
// Usage: node --import=tsx bench/profile-summary.ts FILE.cpuprofile [N]
// Used to find where a drover run spends its CPU (see bench/analysis.md).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Groups a script URL: node_modules/<package>, a repo-relative path, or a V8 pseudo-frame. */
export function groupOf(url: string, fn: string): string {
  if (!url) return `(${fn || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `node_modules/${pkg[1]}`;
  return url.replace(/^file:\/\/\/work\/main\//, '');
}

/** Coarse buckets for comparing a drover run with the floor: where does the CPU go? */
const CATEGORIES: [string, RegExp][] = [
  ['idle', /^\(\(idle\)\)$/],
  ['garbage collection', /^\(\(garbage collector\)\)$/],
  ['type-check cache', /^core\/typecheck\//],
  [
    'SSH protocol + crypto (ssh2, node:crypto)',
    /node_modules\/ssh2|node_modules\/cpu-features|node_modules\/asn1|node:internal\/crypto/,
  ],
  [
    'socket writes/reads (kernel network path)',
    /^\(writeBuffer\)$|^node:net$|node:internal\/stream_base_commons|node:internal\/streams|^\(onStreamRead\)$/,
  ],
  [
    'module loading (tsx hooks, ESM/CJS loader, compile)',
    /node:internal\/modules|node_modules\/tsx|node_modules\/esbuild|node:internal\/deps\/cjs-module-lexer|node:internal\/source_map|node:internal\/bootstrap|\(openFileHandle\)|\(readFileUtf8\)|\(compileFunction\)|node:internal\/worker|node:internal\/process\/pre_execution|node:internal\/util$/,
  ],
  ['inventory (yaml)', /node_modules\/yaml|^core\/inventory\//],
  ['drover SSH transport (core/ssh, connection)', /^core\/ssh\/|^core\/connection/],
  [
    'drover engine + modules + rendering',
    /^core\/|^modules\/|^bench\/workloads\/|node_modules\/picocolors|node_modules\/p-limit|node_modules\/listr2/,
  ],
];

export function categorise(profile: Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const cf = byId.get(id)!.callFrame;
    const group = groupOf(cf.url, cf.functionName);
    const cat = CATEGORIES.find(([, re]) => re.test(group))?.[0] ?? 'other (node internals)';
    out.set(cat, (out.get(cat) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return out;
}

export function summarise(profile: Profile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + us);
    total += us;
  });
  const byGroup = new Map<string, number>();
  const byFn = new Map<string, number>();
  for (const [id, us] of self) {
    const cf = byId.get(id)!.callFrame;
    const group = groupOf(cf.url, cf.functionName);
    byGroup.set(group, (byGroup.get(group) ?? 0) + us);
    const fn = `${cf.functionName || '(anonymous)'} ${group}:${cf.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
  }
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  return [
    `sampled ${(total / 1000).toFixed(0)} ms`,
    '-- by category',
    ...rows(categorise(profile)),
    '-- self time by file / package',
    ...rows(byGroup),
    '-- hottest functions',
    ...rows(byFn),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node --import=tsx bench/profile-summary.ts FILE.cpuprofile [N]\n');
    process.exit(1);
  }
  process.stdout.write(summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(n ?? 15)) + '\n');
}
