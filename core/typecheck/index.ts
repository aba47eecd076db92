// The type-check and outline API: what the runner and `drover check` / `drover list` use (ts-morph loads lazily).
export { typecheckPlaybook, type TypecheckOptions, type TypecheckResult } from './check.ts';
export { formatDiagnostic, type Diagnostic } from './diagnostics.ts';
export { outlinePlaybook, type OutlineItem, type PhaseOutline, type ModuleCallOutline } from './outline.ts';
export { formatOutline } from './format-outline.ts';
