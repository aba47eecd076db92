// Plans a module call from a recorded probe answer, with no host: params + probe sections → Plan (pyinfra-style fixtures).
import type { HostInfo, ModuleFn, Plan, ProbeFacts, Result } from '../../core/module.ts';
import { ProbeFrame } from '../../core/probe-frame.ts';

/** A recorded probe answer: each section's content and exit status, as the probe would print it. */
export type Answer = readonly (readonly [name: string, content: string | Buffer, status?: number])[];

/**
 * The module's own validate → parse → plan, fed `answer` through the real wire format (rendered, then
 * parsed strictly as a real answer is). Throws what the module would throw.
 */
export function planFromAnswer<P, R extends Result>(
  mod: ModuleFn<P, R>,
  params: P,
  answer: Answer,
  host: HostInfo = { name: 'h1', vars: {} },
): Plan<R> {
  const spec = mod.spec;
  const facts = spec.facts as Partial<ProbeFacts<P, unknown>>;
  if (!facts.parse)
    throw new Error(`${mod.moduleName}: its facts step is not a single probe (use its own parse/plan functions)`);
  spec.validate?.(params);
  const frame = new ProbeFrame();
  const sections = frame.parse(frame.render(answer), facts.sections?.(params));
  return spec.plan(params, facts.parse(sections, params), host);
}

/** The command a probe would send, for asserting what it reads (display text, secrets masked). */
export function probeCommand<P, R extends Result>(mod: ModuleFn<P, R>, params: P): string {
  const facts = mod.spec?.facts as Partial<ProbeFacts<P, unknown>> | undefined;
  if (!facts?.build) throw new Error(`${mod.moduleName}: its facts step is not a single probe`);
  return facts.build(params, new ProbeFrame('0123456789abcdef0123')).display;
}

/**
 * What the module's facts parser makes of `answer` (for a module whose plan is a thin shell over a pure
 * planner with more detail than the Plan shows, e.g. sysfile's action).
 */
// biome-ignore lint/suspicious/noExplicitAny: any module, whatever its params and result
export function factsFromAnswer<F = unknown>(mod: ModuleFn<any, any>, params: unknown, answer: Answer): F {
  const facts = mod.spec?.facts as Partial<ProbeFacts<unknown, F>> | undefined;
  if (!facts?.parse) throw new Error(`${mod.moduleName}: its facts step is not a single probe`);
  const frame = new ProbeFrame();
  return facts.parse(frame.parse(frame.render(answer), facts.sections?.(params)), params);
}
