// One fact of the catalog: the sections it adds to the shared probe, and the pure parser of its answer.
import type { ProbeFrame, ProbeSections } from '../../core/probe-frame.ts';
import type { ShellCommand } from '../../core/sh.ts';

/**
 * Why a fact is sections and a parser rather than a function of the host: several facts asked together
 * run as one probe (one round trip), each printing its own sections of the same ProbeFrame; the parser
 * is pure, so recorded answers test it without a host.
 */
export interface FactProbe<T> {
  /** The section names this fact prints, each `<fact>.<part>` (a name ending in `?` may be absent). */
  readonly sections: readonly string[];
  /** Read-only sh printing those sections of `frame`. */
  readonly build: (frame: ProbeFrame) => ShellCommand;
  /** Pure: the sections → the typed value; throws FactError on an answer it cannot read. */
  readonly parse: (s: ProbeSections) => T;
}

/** A fact the host answered but that cannot be read: says which fact and what was wrong. */
export class FactError extends Error {
  constructor(fact: string, what: string) {
    super(`fact ${fact}: ${what}`);
    this.name = 'FactError';
  }
}

/** The section's text, or a FactError naming the command that failed (its exit status and output tail). */
export function okText(s: ProbeSections, fact: string, name: string, what: string): string {
  const sec = s.get(name);
  if (sec.status !== 0) {
    const tail = sec.text.trim().split('\n').slice(-2).join(' | ').slice(0, 200);
    const why = sec.status === 127 ? 'not found' : `exit ${sec.status}`;
    throw new FactError(fact, `${what}: ${why}${tail ? `: ${JSON.stringify(tail)}` : ''}`);
  }
  return sec.text;
}

/** A non-negative integer from host text, or a FactError. */
export function int(fact: string, what: string, text: string): number {
  const t = text.trim();
  if (!/^\d{1,18}$/.test(t)) throw new FactError(fact, `${what} is not a number: ${JSON.stringify(t.slice(0, 40))}`);
  return Number(t);
}

/** JSON from a tool's output (ip -j, lsblk -J), or a FactError naming the tool. */
export function json(fact: string, tool: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FactError(fact, `${tool} printed no valid JSON (${(err as Error).message})`);
  }
}

/** Records of JSON objects; anything else is a FactError. */
export function objects(fact: string, what: string, v: unknown): Record<string, unknown>[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null || Array.isArray(x)))
    throw new FactError(fact, `${what}: expected a JSON array of objects`);
  return v as Record<string, unknown>[];
}

/** A string field, or undefined when absent/null; a field of another type is a FactError. */
export function str(fact: string, o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new FactError(fact, `field ${key}: expected a string, got ${typeof v}`);
  return v;
}
