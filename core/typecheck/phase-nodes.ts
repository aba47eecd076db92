// The syntax node behind each phase an outline reports: outline.ts records it, phase-values.ts reads the tree there.
import type { CallExpression } from 'ts-morph';
import type { PhaseOutline } from './outline-types.ts';

// Kept apart from outline.ts so that phase-values.ts, which outline.ts calls, does not import outline.ts back.
const PHASE_NODES = new WeakMap<PhaseOutline, CallExpression>();

export function recordPhaseNode(p: PhaseOutline, call: CallExpression): void {
  PHASE_NODES.set(p, call);
}

export function phaseNode(p: PhaseOutline): CallExpression | undefined {
  return PHASE_NODES.get(p);
}
