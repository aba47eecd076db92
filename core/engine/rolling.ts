// Rolling phases, the pure part: batch sizes as Ansible's `serial` reads them, and the play-wide failure budget.

/** A batch size: a number of hosts, or a percentage of the hosts entering the rolling phase (`'25%'`). */
export type BatchSize = number | `${number}%`;

/**
 * How many hosts may fail or become unreachable in the whole play (earlier phases included) before
 * the roll stops: `{ count: 1 }` or `{ percent: 10 }` of the play's hosts. Exceeding it stops the
 * roll; reaching it does not (as Ansible's max_fail_percentage: "greater than").
 */
export type MaxFailed = { count: number; of?: 'play' } | { percent: number; of?: 'play' };

export interface RollingOptions {
  /** One size for every batch, or a list: `[1, 2, '50%']` is 1 host, then 2, then 50% per batch until done. */
  batch: BatchSize | readonly BatchSize[];
  /** Default `{ count: 0 }`: the first host lost stops the roll. */
  maxFailed?: MaxFailed;
}

/** What a rolling phase's fn learns about its batch. */
export interface BatchInfo {
  /** From 1. */
  index: number;
  count: number;
  hosts: readonly string[];
}

function size(s: BatchSize, total: number, where: string): number {
  if (typeof s === 'number') {
    if (!Number.isInteger(s) || s < 1) throw new TypeError(`${where}: batch size ${s} is not a whole number >= 1`);
    return s;
  }
  const m = typeof s === 'string' ? /^(\d+(?:\.\d+)?)%$/.exec(s) : null;
  const pct = m ? Number(m[1]) : NaN;
  if (!(pct > 0 && pct <= 100))
    throw new TypeError(
      `${where}: batch size ${JSON.stringify(s)} is not a number >= 1 or a percentage like '25%' (0–100%)`,
    );
  // Ansible: int(total * pct / 100), and at least 1.
  return Math.max(1, Math.floor((total * pct) / 100));
}

/** Checks sizes before any host is touched (a typo in '2O%' must not surface after the first batch). */
export function validateRolling(o: RollingOptions, where: string): void {
  if (!o || typeof o !== 'object') throw new TypeError(`${where}: options must be { batch, maxFailed? }`);
  const sizes = Array.isArray(o.batch) ? o.batch : [o.batch];
  if (sizes.length === 0) throw new TypeError(`${where}: batch is an empty list`);
  for (const s of sizes) size(s as BatchSize, 1, where);
  failureBudget(o.maxFailed, 1, where);
}

/** The hosts in batches, in order; the list's last size repeats until every host is in a batch. */
export function planBatches(hosts: readonly string[], batch: RollingOptions['batch'], where = 'rolling'): string[][] {
  const sizes = (Array.isArray(batch) ? batch : [batch]) as BatchSize[];
  const out: string[][] = [];
  for (let i = 0, k = 0; i < hosts.length; k++) {
    const n = size(sizes[Math.min(k, sizes.length - 1)], hosts.length, where);
    out.push(hosts.slice(i, i + n));
    i += n;
  }
  return out;
}

/** How many of the play's `total` hosts may be lost before the roll stops. */
export function failureBudget(m: MaxFailed | undefined, total: number, where = 'rolling'): number {
  if (m === undefined) return 0;
  if (m.of !== undefined && m.of !== 'play') throw new TypeError(`${where}: maxFailed.of must be 'play'`);
  if ('count' in m) {
    if (!Number.isInteger(m.count) || m.count < 0)
      throw new TypeError(`${where}: maxFailed.count ${m.count} is not a whole number >= 0`);
    return m.count;
  }
  if ('percent' in m) {
    if (!(Number.isFinite(m.percent) && m.percent >= 0 && m.percent <= 100))
      throw new TypeError(`${where}: maxFailed.percent ${m.percent} is not between 0 and 100`);
    return Math.floor((total * m.percent) / 100);
  }
  throw new TypeError(`${where}: maxFailed must be { count } or { percent }`);
}

/** One line for a rolling-plan event: `3 batches [a] [b c] [d e f]; may lose 0 of 6 hosts` (renderers share it). */
export function describePlan(e: { batches: readonly (readonly string[])[]; budget: number; of: number }): string {
  return `${e.batches.length} batch${e.batches.length === 1 ? '' : 'es'} ${e.batches.map((b) => `[${b.join(' ')}]`).join(' ')}; may lose ${e.budget} of ${e.of} hosts`;
}
