// The type-check and outline API: what the runner and `drover check` / `drover list` use (ts-morph loads lazily).
export { typecheckPlaybook, type TypecheckOptions, type TypecheckResult } from './check.ts';
export { formatDiagnostic, type Diagnostic } from './diagnostics.ts';
export { outlinePlaybook } from './outline.ts';
export type { OutlineItem, PhaseOutline, ModuleCallOutline } from './outline-types.ts';
export { formatOutline } from './format-outline.ts';
