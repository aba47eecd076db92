// `npx tsx bench/render-scale.ts [--hosts 500] [--modules 10] [--seconds 10] [--kind listr|plain|json]`: the
// terminal renderer's CPU for a synthetic run (no hosts, no network), so its cost at fleet scale can be compared
// before/after a change. Events are replayed on a seeded schedule spread over --seconds of wall time, because a
// live view costs per refresh as well as per event. Output goes to /dev/null through a stdout that claims to be a
// 120×40 terminal, so listr2 draws exactly as it would on one.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { RunEvent } from '../core/events.ts';
import { createRenderer, type RendererKind } from '../core/render/index.ts';

const { values: v } = parseArgs({
  options: {
    hosts: { type: 'string', default: '500' },
    modules: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
    kind: { type: 'string', default: 'listr' },
    diff: { type: 'boolean', default: false },
  },
});
const HOSTS = Number(v.hosts);
const MODULES = Number(v.modules);
const SPAN_MS = Number(v.seconds) * 1000;
const kind = v.kind as RendererKind;

/** Deterministic pseudo-random numbers (mulberry32): the same schedule on every run. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The run's events with the wall time (ms from start) each is emitted at. */
function schedule(): { at: number; e: RunEvent }[] {
  const rand = rng(17);
  const hosts = Array.from({ length: HOSTS }, (_, i) => `node${i + 1}`);
  const out: { at: number; e: RunEvent }[] = [];
  const phase = 'Prepare nodes';
  out.push({ at: 0, e: { kind: 'run-start', playbook: 'bench.ts', name: 'Render bench', hosts, check: false } });
  out.push({ at: 0, e: { kind: 'phase-start', phase, hosts } });
  let last = 0;
  for (const host of hosts) {
    // Hosts start staggered (forks) and take different times, as real ones do.
    let t = rand() * SPAN_MS * 0.3;
    for (let m = 0; m < MODULES; m++) {
      const title = `sysfile /etc/app/file${m}.conf`;
      out.push({ at: t, e: { kind: 'module-start', host, module: 'sysfile', title } });
      const ms = ((SPAN_MS * 0.7) / MODULES) * (0.5 + rand());
      t += ms;
      const changed = m % 3 === 0;
      out.push({
        at: t,
        e: {
          kind: 'module-end',
          host,
          module: 'sysfile',
          title,
          status: changed ? 'changed' : 'ok',
          ms,
          callsite: `bench.ts:${10 + m}`,
          ...(changed && {
            changes: [
              {
                path: `/etc/app/file${m}.conf`,
                before: 'a=1\n',
                after: `a=2\n${m === 3 && host === 'node7' ? 'odd=1\n' : ''}`,
              },
            ],
          }),
        },
      });
    }
    out.push({ at: t, e: { kind: 'phase-host-end', phase, host, status: host === 'node13' ? 'failed' : 'ok' } });
    last = Math.max(last, t);
  }
  out.sort((a, b) => a.at - b.at);
  out.push({ at: last, e: { kind: 'phase-end', phase, ms: last } });
  const stats = Object.fromEntries(
    hosts.map((h) => [h, { ok: 7, changed: 3, failed: 0, skipped: 0, unreachable: 0, rescued: 0 }]),
  );
  out.push({ at: last, e: { kind: 'recap', stats, ms: last, check: false, interrupted: false } });
  return out;
}

async function main(): Promise<void> {
  const events = schedule();
  // A terminal to draw on that costs nothing to write to.
  const devnull = fs.openSync('/dev/null', 'w');
  const out = process.stdout as NodeJS.WriteStream & { isTTY: boolean };
  Object.assign(out, { isTTY: true, columns: 120, rows: 40 });
  out.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk === 'string') fs.writeSync(devnull, chunk);
    else fs.writeSync(devnull, chunk);
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof out.write;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sink = await createRenderer({
    kind,
    diff: Boolean(v.diff),
    verbose: false,
    isTTY: true,
    write: (s) => void fs.writeSync(devnull, s),
  });
  let emitCpu = 0;
  let i = 0;
  // Replay on the schedule: every 10 ms, everything due by then.
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now() - t0;
      const c = process.cpuUsage();
      while (i < events.length && events[i].at <= now) sink.emit(events[i++].e);
      const d = process.cpuUsage(c);
      emitCpu += d.user + d.system;
      if (i < events.length) setTimeout(tick, 10);
      else resolve();
    };
    tick();
  });
  await sink.end();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const total = (cpu.user + cpu.system) / 1000;
  process.stderr.write(
    `render-scale kind=${kind} hosts=${HOSTS} modules=${MODULES} events=${events.length} wall=${(wall / 1000).toFixed(2)}s ` +
      `cpu=${total.toFixed(0)}ms (${((100 * total) / wall).toFixed(1)}% of one core) in-emit=${(emitCpu / 1000).toFixed(0)}ms rss=${(process.memoryUsage().rss / 2 ** 20).toFixed(0)}MB\n`,
  );
}

await main();
