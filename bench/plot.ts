// Draws wall time against host count for the three runners as a small standalone SVG (no plotting dependency; pure).
import type { ScenarioSummary } from './stats.ts';

interface Series {
  label: string;
  color: string;
  dashed: boolean;
  points: { hosts: number; seconds: number }[];
}

const W = 880;
const H = 460;
const M = { left: 70, right: 300, top: 40, bottom: 55 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Series for one workload: each runner's first and second run, and the floor. */
function seriesOf(summaries: readonly ScenarioSummary[], workload: 'ten' | 'forty', dashed: boolean): Series[] {
  const rows = summaries
    .filter((s) => s.scenario.workload === workload && s.scenario.delayMs === 0)
    .sort((a, b) => a.scenario.hosts - b.scenario.hosts);
  const tag = workload === 'ten' ? '10 tasks' : '40 tasks';
  const pick = (f: (s: ScenarioSummary) => number | undefined) =>
    rows.flatMap((s) => {
      const v = f(s);
      return v === undefined || Number.isNaN(v) ? [] : [{ hosts: s.scenario.hosts, seconds: v / 1000 }];
    });
  return [
    {
      label: `Ansible, first run, ${tag}`,
      color: '#d62728',
      dashed,
      points: pick((s) => s.runners.ansible?.first?.wallMs),
    },
    {
      label: `Ansible, second run, ${tag}`,
      color: '#ff9896',
      dashed,
      points: pick((s) => s.runners.ansible?.second?.wallMs),
    },
    {
      label: `Ansible+Mitogen, first run, ${tag}`,
      color: '#2ca02c',
      dashed,
      points: pick((s) => s.runners.mitogen?.first?.wallMs),
    },
    {
      label: `Ansible+Mitogen, second run, ${tag}`,
      color: '#98df8a',
      dashed,
      points: pick((s) => s.runners.mitogen?.second?.wallMs),
    },
    {
      label: `drover, first run, ${tag}`,
      color: '#1f77b4',
      dashed,
      points: pick((s) => s.runners.drover?.first?.wallMs),
    },
    {
      label: `drover, second run, ${tag}`,
      color: '#17becf',
      dashed,
      points: pick((s) => s.runners.drover?.second?.wallMs),
    },
    { label: `floor, ${tag}`, color: '#555555', dashed, points: pick((s) => s.floorMs) },
  ].filter((s) => s.points.length > 0);
}

export function renderPlot(summaries: readonly ScenarioSummary[]): string {
  const series = [...seriesOf(summaries, 'ten', false), ...seriesOf(summaries, 'forty', true)];
  const all = series.flatMap((s) => s.points);
  const maxHosts = Math.max(50, ...all.map((p) => p.hosts));
  // Log scale: Ansible and drover differ by more than an order of magnitude.
  const lo = 10 ** Math.floor(Math.log10(Math.min(0.1, ...all.map((p) => p.seconds))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(1, ...all.map((p) => p.seconds))));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (hosts: number) => M.left + (hosts / maxHosts) * pw;
  const y = (s: number) => M.top + ph - ((Math.log10(s) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * ph;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(
    `<text x="${M.left}" y="22" font-size="15" font-weight="bold">Wall time against host count (median of runs; log scale)</text>`,
  );
  for (let e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) {
    const v = 10 ** e;
    out.push(
      `<line x1="${M.left}" x2="${M.left + pw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`,
    );
    out.push(
      `<text x="${M.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v >= 1 ? v.toFixed(0) : v.toString()} s</text>`,
    );
    for (const k of [2, 5]) {
      if (v * k < hi)
        out.push(
          `<line x1="${M.left}" x2="${M.left + pw}" y1="${y(v * k).toFixed(1)}" y2="${y(v * k).toFixed(1)}" stroke="#f2f2f2"/>`,
        );
    }
  }
  const ticks = [...new Set([1, 20, 50, ...all.map((p) => p.hosts)])]
    .filter((h) => h <= maxHosts)
    .sort((a, b) => a - b);
  let lastLabel = -Infinity;
  for (const h of ticks) {
    // Host counts close together on a 500-host axis (1, 5, 20) would print over each other: label the first.
    const labelled = x(h) - lastLabel >= 24;
    if (labelled) lastLabel = x(h);
    out.push(
      `<line x1="${x(h).toFixed(1)}" x2="${x(h).toFixed(1)}" y1="${M.top + ph}" y2="${M.top + ph + 5}" stroke="#333"/>`,
    );
    if (labelled) out.push(`<text x="${x(h).toFixed(1)}" y="${M.top + ph + 18}" text-anchor="middle">${h}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 12}" text-anchor="middle">hosts (forks = hosts)</text>`);

  series.forEach((s, i) => {
    const pts = s.points.map((p) => `${x(p.hosts).toFixed(1)},${y(p.seconds).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const p of s.points)
      out.push(
        `<circle cx="${x(p.hosts).toFixed(1)}" cy="${y(p.seconds).toFixed(1)}" r="3" fill="${s.color}"><title>${esc(s.label)}: ${p.hosts} hosts, ${p.seconds.toFixed(2)} s</title></circle>`,
      );
    const ly = M.top + 10 + i * 20;
    const lx = M.left + pw + 15;
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
