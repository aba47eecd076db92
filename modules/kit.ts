// drover's module author's kit: what a site imports from 'drover/kit' to write and test a module on drover's own contract.
//
// Stability: the names exported here follow the package's semver (a removal or an incompatible change is a
// major version); `KIT_VERSION` says which revision of this list a site was written against. Everything
// else under modules/ is drover's own and may change in any release.

/** The revision of the kit's exported surface (bumped when a name is added; a breaking change is a major drover release). */
export const KIT_VERSION = 2;

// The contract: facts (one read-only framed probe) → pure plan → apply; check mode is the engine's.
export {
  defineModule,
  probe,
  changed,
  type Apply,
  type HostInfo,
  type HostReader,
  type ModuleFn,
  type ModuleSpec,
  type Plan,
  type ProbeFacts,
  type Result,
} from '../core/module.ts';
export { ProbeFrame, ProbeFormatError, type ProbeSections } from '../core/probe-frame.ts';
export type { ExecOptions, ExecResult, Host } from '../core/host.ts';
// Commands are built quoted by construction; nothing is concatenated into a shell string.
export { quote, sh, ShellCommand, type ShellValue } from '../core/sh.ts';
// Secrets: values a module must never print; registering them masks them in every event of the run.
export { registerSecrets } from '../core/host.ts';
export { Secret, SecretText, secret, secretText } from '../core/secret.ts';
export { CommandError, ModuleError } from '../core/errors.ts';

// Shared helpers drover's modules are built from.
export {
  checkOwnership,
  checkPath,
  fileSections,
  probeCall,
  probePath,
  readFileProbe,
  writeFile,
  writeFileAtomic,
  FileWriteError,
  type FileState,
  type ProbeOptions,
  type WriteOptions,
} from './shared/remote-file.ts';
export { applyTextFile, planTextFile, type TextFilePlan } from './shared/text-file-plan.ts';
export { checkDnsName, isDnsName } from './shared/dns-name.ts';
export {
  blockInFile,
  lineAbsent,
  lineInFile,
  type BlockOptions,
  type EditResult,
  type LineAbsentOptions,
  type LinePresentOptions,
} from './shared/file-edit.ts';

// Facts a module's own facts step may read (memoised per host per run, read-only): revision 2.
export { facts, FactError, type FactHost, type FactName, type Facts } from './facts/index.ts';

// Fixture tests without a host: params + a recorded probe answer → the module's Plan.
export { factsFromAnswer, planFromAnswer, probeCommand, type Answer } from './shared/plan-fixture.ts';
