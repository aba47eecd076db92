// sysfile's probe: remote-file's one-round-trip probe of the path (type, owner, mode, the exact bytes), asked as each mode needs.
import { createHash } from 'node:crypto';
import { isSecret, SecretText, type Secret } from '../core/secret.ts';
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../core/probe-frame.ts';
import type { ShellCommand } from '../core/sh.ts';
import { fileSections, probeCall, readFileProbe, type FileState, type ProbeOptions } from './remote-file.ts';
import { asSecretText } from './file-secrets.ts';
import { modeOf, type SysfileParams } from './sysfile-plan.ts';

/** Section name of the probe (a single path). */
const NAME = 'f';

/**
 * The SHA-256 of whole content known from the params alone: the probe then answers "same" instead of
 * sending an unchanged file back (cheap no-ops on big files). Not for secret content (the hash would be
 * shown with the command, and a weak secret guessed from it), and not for a content function: it is
 * called once, by the plan, with the host's vars.
 */
export function expectedSha256(p: SysfileParams): string | undefined {
  if (!('content' in p) || p.content === undefined) return undefined;
  const c = p.content;
  if (typeof c === 'function' || isSecret(c) || c instanceof SecretText) return undefined;
  return createHash('sha256').update(typeof c === 'string' ? Buffer.from(c, 'utf8') : c).digest('hex');
}

/** Probe options a mode needs: content for files, following symlinks except for link/absent. */
export function probeOptionsFor(p: SysfileParams): ProbeOptions {
  const m = modeOf(p);
  return { content: m !== 'directory', follow: m === 'content' || m === 'line' || m === 'block', unlessSha256: expectedSha256(p) };
}

/** The Secrets in the params' content, line or block (a content function's come from the vars, registered by the run). */
export function paramSecrets(p: SysfileParams): Secret[] {
  const values = [(p as { content?: unknown }).content, (p as { line?: unknown }).line, (p as { block?: unknown }).block];
  return values.flatMap((v) => (typeof v === 'function' ? [] : (asSecretText(v)?.secrets ?? [])));
}

/** The probe of `p.path`, printing sections of `frame` (the params' secrets are registered by the wrapper first: see sysfile's `secrets`). */
export function sysfileProbe(p: SysfileParams, frame: ProbeFrame): ShellCommand {
  return probeCall(frame, NAME, p.path, probeOptionsFor(p));
}

/** The sections sysfileProbe may print. */
export function sysfileSections(): string[] {
  return fileSections(NAME);
}

/** The FileState from the probe's answer (strict: a "same as expected" nobody asked for is a ProbeFormatError). */
export function parseSysfileProbe(s: ProbeSections, p: SysfileParams): FileState {
  const st = readFileProbe(s, NAME, p.path);
  if (st.sameAsExpected && expectedSha256(p) === undefined) throw new ProbeFormatError(`${p.path}: the probe answered "same as expected" without being sent a hash`);
  return st;
}
