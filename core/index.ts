// drover's public API: what a playbook imports from 'drover'.
export {
  playbook,
  type Play,
  type Playbook,
  type PlaybookMeta,
  type RollingOptions,
  type PhaseOptions,
  type BatchSize,
  type MaxFailed,
  type BatchInfo,
} from './playbook.ts';
export { retry, RetryExhausted, type RetryOptions } from './retry.ts';
export { waitFor, type WaitOptions, type WaitTarget } from './engine/wait-for.ts';
export type { Host, ExecOptions, ExecResult } from './host.ts';
export { defineModule, changed, type Result, type ModuleFn, type ModuleSpec } from './module.ts';
export { sh, quote, ShellCommand, type ShellValue } from './sh.ts';
export { Secret, secret, SecretText, secretText } from './secret.ts';
export type { FileChange, RunEvent } from './events.ts';
export { CommandError, ModuleError, UnreachableError, HostKeyError } from './errors.ts';
export { inventory } from './inventory/define.ts';
// Writing a module on the contract (facts → pure plan → apply), and typed inventories.
export { probe, type Plan, type Apply, type HostInfo, type HostReader, type ProbeFacts } from './module.ts';
export { ProbeFrame, ProbeFormatError, type ProbeSections } from './probe-frame.ts';
export type { InventorySpec, GroupSpec, HostVars, ConnectionVars } from './inventory/define.ts';
