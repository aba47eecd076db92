// sysfile's probe: remote-file's one-round-trip probe of the path (type, owner, mode, the exact bytes), asked as each mode needs.
import { createHash } from 'node:crypto';
import { isSecret, SecretText, type Secret } from '../../core/secret.ts';
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../../core/probe-frame.ts';
import type { ShellCommand } from '../../core/sh.ts';
import { fileSections, probeCall, readFileProbe, type FileState, type ProbeOptions } from '../shared/remote-file.ts';
import { asSecretText } from './file-secrets.ts';
import { modeOf, type SysfileParams } from './sysfile-plan.ts';
import { digestOf, localFile, snapshotBytes } from '../shared/local-source.ts';

/** Section name of the probe (a single path). */
const NAME = 'f';

/**
 * The SHA-256 of whole content known from the params alone: the probe then answers "same" instead of
 * sending an unchanged file back (cheap no-ops on big files). Not for secret content (the hash would be
 * shown with the command, and a weak secret guessed from it), and not for a content function: it is
 * called once, by the plan, with the host's vars.
 */
export function expectedSha256(p: SysfileParams): string | undefined {
  if ('src' in p && p.src !== undefined) return localFile(p.src, p.path).sha256;
  if (!('content' in p) || p.content === undefined) return undefined;
  const c = p.content;
  if (typeof c === 'function' || isSecret(c) || c instanceof SecretText) return undefined;
  return typeof c === 'string' ? createHash('sha256').update(c, 'utf8').digest('hex') : digestOf(snapshotBytes(c));
}

/** Whether expectedSha256 gives a hash for `p` (without hashing the content again). */
function sendsSha256(p: SysfileParams): boolean {
  if ('src' in p && p.src !== undefined) return true;
  if (!('content' in p) || p.content === undefined) return false;
  const c = p.content;
  return !(typeof c === 'function' || isSecret(c) || c instanceof SecretText);
}

/** Probe options a mode needs: content for files, following symlinks except for link/absent. */
export function probeOptionsFor(p: SysfileParams): ProbeOptions {
  const m = modeOf(p);
  const src = 'src' in p && p.src !== undefined;
  return {
    content: m !== 'directory',
    follow: m === 'content' || m === 'line' || m === 'block',
    unlessSha256: expectedSha256(p),
    hashOnly: src || undefined,
  };
}

/** The Secrets in the params' content, line or block (a content function's come from the vars, registered by the run). */
export function paramSecrets(p: SysfileParams): Secret[] {
  const values = [
    (p as { content?: unknown }).content,
    (p as { line?: unknown }).line,
    (p as { block?: unknown }).block,
  ];
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
  if (st.sameAsExpected && !sendsSha256(p))
    throw new ProbeFormatError(`${p.path}: the probe answered "same as expected" without being sent a hash`);
  return st;
}
