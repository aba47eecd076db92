// sysfile's pure decisions: params + the probed FileState (+ the host's vars) → what changes, the diffs, and the action to apply.
import { isUtf8 } from 'node:buffer';
import type { FileChange } from '../../core/events.ts';
import type { Secret, SecretText } from '../../core/secret.ts';
import { asSecretText, maskFileChange, maskingSecrets, revealText } from './file-secrets.ts';
import { blockInFile, droverMarker, lineAbsent, lineInFile, type EditResult } from '../shared/file-edit.ts';
import { checkOwnership, checkWellFormed, type FileState, type Validate } from '../shared/remote-file.ts';
import { digestOf, localFile, snapshotBytes, type LocalFile } from '../shared/local-source.ts';

import type {
  AbsentParams,
  Attributes,
  BlockParams,
  ContentParams,
  DirectoryParams,
  FileMode,
  LineParams,
  LinkParams,
  SrcParams,
  SysfileParams,
  PlayVars,
  WriteOptions,
} from './sysfile-params.ts';
export type {
  AbsentParams,
  BlockParams,
  ContentParams,
  DirectoryParams,
  FileMode,
  LineParams,
  LinkParams,
  SrcParams,
  SysfileParams,
  SysfileResult,
  WriteOptions,
} from './sysfile-params.ts';

/** What to do, decided from the probe alone. */
export type Action =
  | { kind: 'none' }
  | {
      kind: 'write';
      content: Buffer | LocalFile;
      owner?: string | number;
      group?: string | number;
      mode: string;
      backup: boolean;
      validate?: Validate;
      createParents: boolean;
    }
  | { kind: 'attrs'; owner?: string | number; group?: string | number; mode?: string }
  | { kind: 'remove'; recursive: boolean; backup: boolean }
  | { kind: 'mkdir'; owner?: string | number; group?: string | number; mode?: string; createParents: boolean }
  | { kind: 'link'; target: string; createParents: boolean };

/** sysfile's decision for one path: the action, and the report (diffs masked where secrets are). */
export interface SysfilePlan {
  path: string;
  action: Action;
  changes: FileChange[];
  messages: string[];
  /** Secret texts the written bytes hold: registered with the run before the write, so output quoting them is masked. */
  secrets?: readonly SecretText[];
}

type Mode = 'content' | 'line' | 'block' | 'absent' | 'directory' | 'link';

/** Keys that choose sysfile's mode: one written but undefined is a mistake (a var that was not set), never another mode. */
const MODE_KEYS = ['content', 'src', 'blockName', 'line', 'regexp', 'searchString'] as const;

export function modeOf(p: SysfileParams): Mode {
  // `{ state: 'absent', regexp: vars.pattern }` with the var unset would otherwise delete the whole file
  // (Ansible's lineinfile fails on it): refuse, naming the key.
  for (const k of MODE_KEYS)
    if (Object.hasOwn(p, k) && (p as unknown as Record<string, unknown>)[k] === undefined)
      throw new Error(
        `${p.path}: ${k} is given but undefined (a var that is not set?): give it a value or leave the key out; sysfile does not pick another mode for it`,
      );
  if ('src' in p && p.src !== undefined) {
    if ((p as { content?: unknown }).content !== undefined) throw new Error(`${p.path}: give content or src, not both`);
    return 'content';
  }
  if ('content' in p && p.content !== undefined) return 'content';
  if ('blockName' in p && p.blockName !== undefined) return 'block';
  if (
    ('line' in p && p.line !== undefined) ||
    ('regexp' in p && p.regexp !== undefined) ||
    ('searchString' in p && p.searchString !== undefined)
  )
    return 'line';
  if (p.state === 'absent') return 'absent';
  if (p.state === 'directory') return 'directory';
  if (p.state === 'link') return 'link';
  throw new Error(
    `${p.path}: say what to manage: content, line/regexp, blockName, or state 'absent' | 'directory' | 'link'`,
  );
}

/** Normalises '644', '0644', 0o644 to '0644'; refuses anything else. */
export function normaliseMode(m: FileMode | undefined, where: string): string | undefined {
  if (m === undefined) return undefined;
  const s = typeof m === 'number' ? m.toString(8) : m;
  if (!/^[0-7]{3,4}$/.test(s) || (typeof m === 'number' && (m < 0 || m > 0o7777)))
    throw new Error(`${where}: mode must be octal like '0644' or 0o644, got ${String(m)}`);
  return s.padStart(4, '0');
}

/** Content as text for a diff; binary or non-UTF-8 bytes get a placeholder. */
export function displayContent(b: Buffer | LocalFile | undefined | null): string | null {
  if (b === undefined || b === null) return null;
  if (!Buffer.isBuffer(b)) return `(content of ${b.path}, ${b.size} bytes, sha256 ${b.sha256.slice(0, 12)})\n`;
  // isUtf8 validates in place: decoding 50 MB of binary and encoding it back took seconds per host
  if (!isUtf8(b) || b.includes(0)) return `(binary content, ${b.length} bytes, sha1 ${sha1Short(b)})\n`;
  return b.toString('utf8');
}

function sha1Short(b: Buffer): string {
  return digestOf(b, 'sha1').slice(0, 12);
}

function idMatches(want: string | number | undefined, id: number | undefined, name: string | undefined): boolean {
  if (want === undefined) return true;
  if (typeof want === 'number' || /^[0-9]+$/.test(want)) return Number(want) === id;
  return want === name;
}

type Ids = { owner?: string | number; group?: string | number; mode?: string };

/** Attribute differences as messages ("mode 0600 → 0644") and the chown/chmod to apply. */
function attrDiff(st: FileState, p: Ids): { msgs: string[]; attrs: Ids } {
  const msgs: string[] = [];
  const attrs: Ids = {};
  if (!idMatches(p.owner, st.uid, st.owner)) {
    msgs.push(`owner ${st.owner} → ${p.owner}`);
    attrs.owner = p.owner;
  }
  if (!idMatches(p.group, st.gid, st.group)) {
    msgs.push(`group ${st.group} → ${p.group}`);
    attrs.group = p.group;
  }
  if (p.mode !== undefined && p.mode !== st.mode) {
    msgs.push(`mode ${st.mode} → ${p.mode}`);
    attrs.mode = p.mode;
  }
  return { msgs, attrs };
}

function decodeText(st: FileState, path: string): string | null {
  if (st.kind === 'absent') return null;
  if (st.content === undefined) throw new Error(`${path}: could not read the file`);
  const s = st.content.toString('utf8');
  if (!Buffer.from(s, 'utf8').equals(st.content))
    throw new Error(`${path} is not valid UTF-8 text: line and block edits refuse to touch it (use content)`);
  return s;
}

/** The bytes `content` asks for (calling it with the vars when it is a function; a Secret's real value). */
export function contentBytes(p: ContentParams, vars: PlayVars): Buffer {
  const c = p.content;
  const v = revealText(typeof c === 'function' ? c(vars) : c);
  if (typeof v !== 'string' && !(v instanceof Uint8Array))
    throw new Error(`${p.path}: content must be a string, bytes, a Secret or a secretText`);
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : snapshotBytes(v);
}

/**
 * Params with their secrets revealed (the content function called once), and the secret texts they
 * held: the bytes written are the real ones, the diffs shown mask what `texts` holds.
 */
export function revealSecrets(p: SysfileParams, vars: PlayVars): { params: SysfileParams; texts: SecretText[] } {
  const texts: SecretText[] = [];
  const take = <T>(v: T | Secret | SecretText, key: string): T | string => {
    const t = asSecretText(v);
    if (t) texts.push(t);
    const r = revealText(v);
    // also a content function's result: a lone surrogate would be written as U+FFFD, "changed" forever
    if (typeof r === 'string') checkWellFormed(r, `${p.path}: ${key}`);
    return r;
  };
  const out = { ...p } as Record<string, unknown>;
  if ('content' in p && p.content !== undefined)
    out.content = take(typeof p.content === 'function' ? p.content(vars) : p.content, 'content');
  if ('line' in p && p.line !== undefined) out.line = take(p.line, 'line');
  if ('block' in p && p.block !== undefined) out.block = take(p.block, 'block');
  return { params: out as unknown as SysfileParams, texts };
}

/**
 * Decides from one probe what sysfile must do: pure, so tests can feed recorded probes. The content
 * function (if any) is called here, once, with `vars`. A probe that answered `sameAsExpected` (asked
 * with the hash of static content, see sysfile-facts) stands for a file holding exactly that content.
 */
export function planSysfile(p: SysfileParams, st: FileState, vars: PlayVars = {}): SysfilePlan {
  const { params, texts } = revealSecrets(p, vars);
  const plan = maskingSecrets(texts, () => planPlain(params, st, vars));
  if (!texts.length) return plan;
  return { ...plan, changes: plan.changes.map((c) => maskFileChange(c, texts)), secrets: texts };
}

function planPlain(p: SysfileParams, st: FileState, vars: PlayVars): SysfilePlan {
  const mode = modeOf(p);
  const path = st.realPath || p.path;
  const where = p.path;
  const none = (messages: string[] = []): SysfilePlan => ({ path, action: { kind: 'none' }, changes: [], messages });

  if (mode === 'absent') {
    const ap = p as AbsentParams;
    if (st.kind === 'absent') return none();
    if (st.kind === 'directory' && !ap.recursive)
      throw new Error(`${where} is a directory: state 'absent' removes it only with recursive: true`);
    const before =
      st.kind === 'file'
        ? displayContent(st.content)
        : st.kind === 'link'
          ? `symlink -> ${st.linkTarget}\n`
          : `(${st.kind})\n`;
    return {
      path: p.path,
      action: { kind: 'remove', recursive: st.kind === 'directory', backup: !!ap.backup && st.kind === 'file' },
      changes: [{ path: p.path, before, after: null }],
      messages: [`removed ${st.kind}`],
    };
  }

  if (mode === 'link') {
    const lp = p as LinkParams;
    if (!lp.target) throw new Error(`${where}: state 'link' needs a target`);
    if (st.kind === 'link' && st.linkTarget === lp.target) return none();
    if (st.kind === 'directory') throw new Error(`${where} is a directory; refusing to replace it with a symlink`);
    if ((st.kind === 'file' || st.kind === 'other') && !lp.force)
      throw new Error(`${where} is a ${st.kind}; set force: true to replace it with a symlink`);
    const before =
      st.kind === 'absent'
        ? null
        : st.kind === 'link'
          ? `symlink -> ${st.linkTarget}\n`
          : (displayContent(st.content) ?? `(${st.kind})\n`);
    return {
      path: p.path,
      action: { kind: 'link', target: lp.target, createParents: !!lp.createParents },
      changes: [{ path: p.path, before, after: `symlink -> ${lp.target}\n` }],
      messages: [st.kind === 'absent' ? `link → ${lp.target}` : `link ${st.linkTarget ?? st.kind} → ${lp.target}`],
    };
  }

  checkOwnership(p as Attributes, where);
  const want = {
    owner: (p as Attributes).owner,
    group: (p as Attributes).group,
    mode: normaliseMode((p as Attributes).mode, where),
  };

  if (mode === 'directory') {
    const dp = p as DirectoryParams;
    if (st.kind === 'absent') {
      return {
        path,
        action: { kind: 'mkdir', ...want, mode: want.mode ?? '0755', createParents: dp.createParents !== false },
        changes: [],
        messages: ['directory created'],
      };
    }
    if (st.kind !== 'directory') throw new Error(`${where} exists and is a ${st.kind}, not a directory`);
    const d = attrDiff(st, want);
    return d.msgs.length ? { path, action: { kind: 'attrs', ...d.attrs }, changes: [], messages: d.msgs } : none();
  }

  // content, line, block: a regular file (after following symlinks)
  if (st.kind === 'directory') throw new Error(`${where} is a directory`);
  if (st.kind === 'other') throw new Error(`${where} is not a regular file`);
  if (st.unreadable) throw new Error(`${where}: the file exists but cannot be read`);
  const wp = p as WriteOptions;
  let after: Buffer | LocalFile | null;
  let editMsg = '';
  let beforeBytes = st.kind === 'file' ? (st.content ?? Buffer.alloc(0)) : null;
  const src = (p as SrcParams).src;
  if (src !== undefined) {
    after = localFile(src, where);
    // the probe compared hashes only (hashOnly): equal, or different without the old bytes
    if (st.kind === 'absent') editMsg = 'created';
    else if (!st.sameAsExpected) editMsg = 'content changed';
  } else if (mode === 'content') {
    after = contentBytes(p as ContentParams, vars);
    // the probe compared the file with this content's hash and did not send it: it is this content
    if (st.sameAsExpected) beforeBytes = after;
    if (beforeBytes === null) editMsg = 'created';
    else if (!beforeBytes.equals(after)) editMsg = 'content changed';
  } else {
    if (st.sameAsExpected)
      throw new Error(`${where}: the probe answered "same as expected" to a ${mode} edit, which sends no hash (a bug)`);
    const r = editText(p as LineParams | BlockParams, mode, decodeText(st, path), where);
    after = r.content === null ? null : Buffer.from(r.content, 'utf8');
    editMsg = r.changed ? (st.kind === 'absent' ? `created (${r.message})` : r.message) : '';
    // a line/block removal on a missing file: nothing to do, and no attributes to set either
    if (after === null) return none();
  }

  if (st.kind === 'absent') {
    return {
      path,
      action: {
        kind: 'write',
        content: after,
        owner: want.owner,
        group: want.group,
        mode: want.mode ?? '0644',
        backup: false,
        validate: wp.validate,
        createParents: !!wp.createParents,
      },
      changes: [{ path, before: null, after: displayContent(after) }],
      messages: [editMsg || 'created'],
    };
  }
  const d = attrDiff(st, want);
  if (editMsg) {
    return {
      path,
      action: {
        kind: 'write',
        content: after,
        // keep what the file had unless told otherwise: the temp file is the writer's and 0600
        owner: want.owner ?? st.uid,
        group: want.group ?? st.gid,
        mode: want.mode ?? st.mode!,
        backup: !!wp.backup,
        validate: wp.validate,
        createParents: false,
      },
      changes: [
        {
          path,
          before:
            src !== undefined
              ? '(previous content, not fetched: src compares hashes only)\n'
              : displayContent(beforeBytes),
          after: displayContent(after),
        },
      ],
      messages: [editMsg, ...d.msgs],
    };
  }
  return d.msgs.length ? { path, action: { kind: 'attrs', ...d.attrs }, changes: [], messages: d.msgs } : none();
}

/** The line or block edit of `text` (null: no file); an error of the edit's own params names the path. */
function editText(p: LineParams | BlockParams, mode: Mode, text: string | null, where: string): EditResult {
  try {
    return editUnchecked(p, mode, text, where);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (message.startsWith(where)) throw e;
    throw new Error(`${where}: ${message}`, { cause: e });
  }
}

/**
 * The checks a line or block edit makes of its params (exclusive options, regexps that compile), made
 * on an empty file: pure, so they fail before the host is touched.
 */
export function checkEditParams(p: SysfileParams): void {
  const mode = modeOf(p);
  if (mode !== 'line' && mode !== 'block') return;
  const { params, texts } = revealSecrets(p, {});
  maskingSecrets(texts, () => editText(params as LineParams | BlockParams, mode, '', p.path));
}

function editUnchecked(p: LineParams | BlockParams, mode: Mode, text: string | null, where: string): EditResult {
  const create = p.create;
  if (mode === 'line') {
    const lp = p as LineParams;
    if ((lp.state ?? 'present') === 'absent')
      return lineAbsent(text, {
        line: lp.line as string | undefined,
        regexp: lp.regexp,
        searchString: lp.searchString,
      });
    if (lp.line === undefined) throw new Error(`${where}: line mode with state 'present' needs line`);
    if (text === null && !create) throw new Error(`${where} does not exist (set create: true to create it)`);
    return lineInFile(text, {
      line: lp.line as string,
      regexp: lp.regexp,
      searchString: lp.searchString,
      backrefs: lp.backrefs,
      insertAfter: lp.insertAfter,
      insertBefore: lp.insertBefore,
      firstMatch: lp.firstMatch,
    });
  }
  const bp = p as BlockParams;
  if (text === null && (bp.state ?? 'present') === 'present' && !create)
    throw new Error(`${where} does not exist (set create: true to create it)`);
  return blockInFile(text, {
    marker: droverMarker(bp.blockName, bp.markerPrefix),
    block: bp.block as string | undefined,
    state: bp.state,
    insertAfter: bp.insertAfter,
    insertBefore: bp.insertBefore,
  });
}
