// sysfile's params and result: the typed, documented surface of the module (sysfile-plan decides from them).
import type { FileChange } from '../../core/events.ts';
import type { Result } from '../../core/module.ts';
import type { Secret, SecretText } from '../../core/secret.ts';
import type { MaybeSecretText } from './file-secrets.ts';
import type { LinePresentOptions } from '../shared/file-edit.ts';
import type { Validate } from '../shared/remote-file.ts';

/** The host's vars as a content function sees them: the playbook's own, typed by the site, so `any` on purpose. */
// biome-ignore lint/suspicious/noExplicitAny: vars are the site's; `unknown` would make every `vars.x` a type error
export type PlayVars = Readonly<Record<string, any>>;

/** Octal permission bits: '0644' (string) or 0o644 (number). */
export type FileMode = string | number;

export interface Attributes {
  /** Absolute path on the host. For content, line and block modes a symlink is followed: its target is edited. */
  path: string;
  /** User name or uid. Omitted: an existing file keeps its owner; a new one belongs to the connecting user. */
  owner?: string | number;
  /** Group name or gid. Omitted: kept / the connecting user's. */
  group?: string | number;
  /** '0644' or 0o644. Omitted: an existing file keeps its mode; new files get 0644, new directories 0755. */
  mode?: FileMode;
}

export interface WriteOptions extends Attributes {
  /** Keep a copy of the old file as `<path>.drover-YYYYMMDDTHHMMSS.mmm~` before replacing it (path in the result). */
  backup?: boolean;
  /**
   * Checks the new content before it replaces the old, e.g. 'visudo -cf %s' (`%s` = the temporary file,
   * split into words and run without a shell). A non-zero exit fails the call and leaves the old file untouched.
   */
  validate?: Validate;
  /** mkdir -p the parent directory when missing (default false). */
  createParents?: boolean;
}

/**
 * Whole content. `content` may be a function of the host's vars (template literals are our templates).
 * A Secret, or secretText`...${secret}...` for text with secret parts (a template literal would write
 * `***`), is written as is and shown in diffs as `<secret>`.
 */
export interface ContentParams extends WriteOptions {
  content: string | Uint8Array | Secret | SecretText | ((vars: PlayVars) => string | Secret | SecretText);
  state?: 'present';
  src?: never;
  line?: never;
  regexp?: never;
  blockName?: never;
}

/**
 * One line, with Ansible lineinfile semantics: `regexp` replaces the last matching line (`firstMatch`:
 * the first); with no match the line is inserted per insertAfter/insertBefore (default EOF) unless the
 * exact line is already there. `backrefs`: the line is a template (`\1`, `\g<name>`) and no match = no change.
 * `state: 'absent'` removes every line matching regexp / containing searchString / equal to line.
 */
export interface LineParams extends WriteOptions, Omit<LinePresentOptions, 'line'> {
  /** The line (without its newline); with state 'absent' lines equal to it are removed. A Secret or secretText`...` is shown as `<secret>`. */
  line?: MaybeSecretText;
  state?: 'present' | 'absent';
  /** Create the file when missing (default false, as Ansible: a missing file is an error). */
  create?: boolean;
  content?: never;
  src?: never;
  blockName?: never;
}

/**
 * A managed block between `<prefix> BEGIN drover <blockName>` and `<prefix> END drover <blockName>`,
 * replaced as a unit (Ansible blockinfile); `state: 'absent'` (or an empty block) removes it.
 */
export interface BlockParams extends WriteOptions {
  blockName: string;
  /** The block text (a final newline is added when missing). A Secret or secretText`...` is shown as `<secret>`. */
  block?: MaybeSecretText;
  /** Comment prefix of the marker lines (default '#'). */
  markerPrefix?: string;
  /** Where a new block goes: a regexp (a RegExp with the m flag searches the whole file), or 'EOF'. */
  insertAfter?: string | RegExp;
  /** A regexp or 'BOF'. */
  insertBefore?: string | RegExp;
  state?: 'present' | 'absent';
  /** Create the file when missing (default false). */
  create?: boolean;
  content?: never;
  src?: never;
  line?: never;
  regexp?: never;
}

/** No file, directory or link at `path`. A directory is only removed with `recursive: true`. */
export interface AbsentParams {
  path: string;
  state: 'absent';
  recursive?: boolean;
  /** Keep a copy of a removed regular file. */
  backup?: boolean;
  content?: never;
  src?: never;
  line?: never;
  regexp?: never;
  blockName?: never;
}

/** A directory (mkdir -p unless `createParents: false`), with owner/group/mode when given. */
export interface DirectoryParams extends Attributes {
  state: 'directory';
  createParents?: boolean;
  content?: never;
  src?: never;
  line?: never;
  regexp?: never;
  blockName?: never;
}

/** A symbolic link `path` -> `target`. Replaces another link; a regular file only with `force`; never a directory. */
export interface LinkParams {
  path: string;
  state: 'link';
  target: string;
  force?: boolean;
  createParents?: boolean;
  content?: never;
  src?: never;
  line?: never;
  regexp?: never;
  blockName?: never;
}

/**
 * Whole content from a local file (Ansible copy's `src`, an absolute path on the machine running drover):
 * hashed once, streamed from disk to each host as it takes the bytes (never held whole in memory), size
 * and sha256 checked on the host before the rename. A rerun compares hashes only: nothing is sent either
 * way when the host's file matches, and a differing old file is not fetched for a diff.
 */
export interface SrcParams extends WriteOptions {
  src: string;
  state?: 'present';
  content?: never;
  line?: never;
  regexp?: never;
  blockName?: never;
}

export type SysfileParams =
  | ContentParams
  | SrcParams
  | LineParams
  | BlockParams
  | AbsentParams
  | DirectoryParams
  | LinkParams;

export interface SysfileResult extends Result {
  changes: FileChange[];
  /** The path written (after following a symlink). */
  path: string;
  /** Where the old content was copied, when `backup` and something was replaced. */
  backupPath?: string;
}
