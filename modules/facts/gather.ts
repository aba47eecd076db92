// facts(host, ...names): the facts a playbook asks for, gathered in one read-only round trip, memoised per host per run.
import type { ExecOptions, ExecResult } from '../../core/host.ts';
import type { HostReader } from '../../core/module.ts';
import { ProbeFrame, type ProbeSections } from '../../core/probe-frame.ts';
import { ShellCommand } from '../../core/sh.ts';
import { CATALOG, FACT_NAMES, type FactName, type Facts } from './catalog.ts';
import { FactError } from './fact.ts';

/**
 * What facts() needs of a host: a playbook's Host, or the read-only view a module's facts step gets.
 * (exec is a method here so both fit: the reader's exec takes no readOnly option and is read-only anyway.)
 */
export interface FactHost {
  readonly name: string;
  exec(cmd: ShellCommand, options?: ExecOptions): Promise<ExecResult>;
  memo: HostReader['memo'];
}

/** `facts(host).os`: each property a Promise of one fact (its own round trip unless already gathered). */
export type HostFacts = { readonly [K in FactName]: Promise<Facts[K]> };

/** Memo keys are namespaced: a site's own memo of 'os' is another value. */
const memoKey = (n: FactName) => `drover.fact.${n}`;

/** The probe for `names`: their sections of one frame, joined into one read-only command. */
export function factsProbe(names: readonly FactName[], frame: ProbeFrame): ShellCommand {
  return ShellCommand.join(names.map((n) => CATALOG[n].build(frame)));
}

/** Every section `names` print (for frame.parse's strict check). */
export function factsSections(names: readonly FactName[]): string[] {
  return names.flatMap((n) => CATALOG[n].sections);
}

/** Pure: the facts `names` from one parsed answer (fixture tests feed recorded answers here). */
export function parseFacts<N extends FactName>(names: readonly N[], s: ProbeSections): Pick<Facts, N> {
  return Object.fromEntries(names.map((n) => [n, CATALOG[n].parse(s)])) as Pick<Facts, N>;
}

async function gather<N extends FactName>(host: FactHost, names: readonly N[]): Promise<Pick<Facts, N>> {
  for (const n of names)
    if (!Object.hasOwn(CATALOG, n))
      throw new FactError(String(n), `no such fact (the catalog has ${FACT_NAMES.join(', ')})`);
  // Each name not yet memoised joins this call's probe: memo calls compute at once, so after the loop
  // `pending` holds exactly the names to ask. A name another call is already gathering waits for that call.
  const pending: N[] = [];
  let settle!: { ok: (s: ProbeSections) => void; fail: (e: unknown) => void };
  const answer = new Promise<ProbeSections>((ok, fail) => {
    settle = { ok, fail };
  });
  answer.catch(() => undefined); // each fact's own promise reports the failure
  const values = [...new Set(names)].map((n) =>
    host
      .memo(memoKey(n), () => {
        pending.push(n);
        return answer.then((s) => CATALOG[n].parse(s));
      })
      .then((v) => [n, v] as const),
  );
  if (pending.length > 0) {
    try {
      const frame = new ProbeFrame();
      const r = await host.exec(factsProbe(pending, frame), { readOnly: true });
      settle.ok(frame.parse(r.stdoutBytes, factsSections(pending)));
    } catch (err) {
      settle.fail(err);
    }
  }
  return Object.fromEntries(await Promise.all(values)) as Pick<Facts, N>;
}

/**
 * `facts`: the host's facts, gathered when asked and never before (no setup phase), each at most once per host per
 * run. Read-only: it also runs in --check.
 *
 * - `await facts(host, 'os', 'init', 'memory')`: those three in ONE round trip (the ones already known
 *   cost nothing), as an object typed `Pick<Facts, 'os' | 'init' | 'memory'>`.
 * - `await facts(host).os`: one fact (its own round trip the first time).
 *
 * A name not in the catalog is a type error (`facts(host, 'oss')`, `facts(host).oss`).
 */
function gatherFacts(host: FactHost): HostFacts;
function gatherFacts<N extends FactName>(host: FactHost, ...names: [N, ...N[]]): Promise<Pick<Facts, N>>;
function gatherFacts(host: FactHost, ...names: FactName[]): HostFacts | Promise<Partial<Facts>> {
  if (names.length > 0) return gather(host, names);
  const view = {} as Record<FactName, unknown>;
  for (const n of FACT_NAMES)
    Object.defineProperty(view, n, { enumerable: true, get: () => gather(host, [n]).then((r) => r[n]) });
  return view as HostFacts;
}

/** See gatherFacts. `factCatalog` marks the function for `drover list`, which lists the facts a playbook reads. */
export const facts = Object.assign(gatherFacts, { factCatalog: FACT_NAMES });
