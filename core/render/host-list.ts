// Names a set of hosts compactly: runs of numbered names fold into ranges (node[1-500]), long lists are cut.
import { safeLine } from './terminal-safe.ts';

/** `node7` → prefix `node`, number 7, width 1; a zero-padded `web007` keeps its width so `web[007-012]` reads back. */
function split(name: string): { prefix: string; n: number; digits: string; suffix: string } | undefined {
  const m = /^(.*?)(\d+)(\D*)$/.exec(name);
  if (!m || m[2].length > 15) return undefined;
  return { prefix: m[1], n: Number(m[2]), digits: m[2], suffix: m[3] };
}

/**
 * Host names in ranges, sorted: `node[1-3]`, `node[5-6]`, `web01`. Only names with the same prefix, suffix
 * and digit width (when zero-padded) fold together, so every range expands to exactly the names given.
 * The names are for a terminal: each is made a safeLine first (a no-op for names an inventory accepts).
 */
export function hostRanges(names: readonly string[]): string[] {
  const groups = new Map<
    string,
    { prefix: string; suffix: string; width: number; nums: { n: number; digits: string }[] }
  >();
  const plain: string[] = [];
  for (const name of new Set(names.map((n) => safeLine(n)))) {
    const s = split(name);
    if (!s) {
      plain.push(name);
      continue;
    }
    // Unpadded numbers of any width fold together (node9, node10); padded ones only with their width.
    const width = s.digits.startsWith('0') && s.digits.length > 1 ? s.digits.length : 0;
    const key = `${s.prefix}\0${s.suffix}\0${width}`;
    const g = groups.get(key) ?? { prefix: s.prefix, suffix: s.suffix, width, nums: [] };
    g.nums.push({ n: s.n, digits: s.digits });
    groups.set(key, g);
  }
  const out: { sort: string; n: number; text: string }[] = plain.map((p) => ({ sort: p, n: -1, text: p }));
  for (const g of groups.values()) {
    const nums = g.nums.sort((a, b) => a.n - b.n);
    for (let i = 0; i < nums.length; ) {
      let j = i;
      while (j + 1 < nums.length && nums[j + 1].n === nums[j].n + 1) j++;
      const text =
        j === i
          ? `${g.prefix}${nums[i].digits}${g.suffix}`
          : `${g.prefix}[${nums[i].digits}-${nums[j].digits}]${g.suffix}`;
      out.push({ sort: `${g.prefix}\0${g.suffix}`, n: nums[i].n, text });
      i = j + 1;
    }
  }
  out.sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : a.n - b.n));
  return out.map((o) => o.text);
}

/**
 * `3 hosts: node[1-3]` — or, past `max` ranges, the first ones and how many hosts the rest hold
 * (`500 hosts: node[1-10], node12, … (+12 more hosts)`), so a header stays one readable line.
 */
export function describeHosts(names: readonly string[], max = Infinity): string {
  const unique = [...new Set(names)];
  const ranges = hostRanges(unique);
  const count = `${unique.length} host${unique.length === 1 ? '' : 's'}`;
  if (ranges.length <= max) return `${count}: ${ranges.join(', ')}`;
  const shown = ranges.slice(0, max);
  const covered = shown.reduce((sum, r) => sum + rangeSize(r), 0);
  return `${count}: ${shown.join(', ')}, … (+${unique.length - covered} more)`;
}

function rangeSize(text: string): number {
  const m = /\[(\d+)-(\d+)\]/.exec(text);
  return m ? Number(m[2]) - Number(m[1]) + 1 : 1;
}
