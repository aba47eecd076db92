// Remote-side POSIX sh snippets for files: one-round-trip probes and atomic writes, plus their parsers.
//
// API for module authors (stable):
//   probePath(host, path, opts)               -> FileState of one path, in one round trip
//   probeCall(frame, name, path, opts)        -> one probe printing sections of `frame`, to combine with your own sections
//   fileSections(name)                        -> the section names probeCall prints (for frame.parse's expected list)
//   readFileProbe(sections, name, path)       -> FileState from a parsed answer
//   writeFileAtomic(path, opts)               -> ShellCommand; content on stdin (exact bytes)
//   writeFile(host, path, content, opts)      -> runs writeFileAtomic and turns failures into clear errors
//   removePath / makeDirectory / makeSymlink / setAttributes -> small ShellCommands for the other states
//   checkPath / checkOwnership / checkValidate / checkWellFormed -> pure param checks (before any host is touched)
import { randomBytes } from 'node:crypto';
import { runtimeOf, type Host } from '../../core/host.ts';
import { checkName, ProbeFormatError, ProbeFrame, type ProbeSections } from '../../core/probe-frame.ts';
import { sh, shellFunction, ShellCommand, withFunction } from '../../core/sh.ts';
import { digestOf, isLocalFile, streamLocalFile, type LocalFile } from './local-source.ts';

/** What a probe saw at one path. */
export interface FileState {
  /** The path as asked. */
  path: string;
  /** The path whose state is described: `path`, or where its symlink chain ends when followed. */
  realPath: string;
  kind: 'absent' | 'file' | 'directory' | 'link' | 'other';
  uid?: number;
  gid?: number;
  /** User and group names ('UNKNOWN' when the id has no name). */
  owner?: string;
  group?: string;
  /** Permission bits as 4 octal digits: '0644', '4755'. */
  mode?: string;
  /** When `path` itself is a symlink: what it points to (readlink). */
  linkTarget?: string;
  /** Exact bytes of a regular file, when asked for. */
  content?: Buffer;
  /** The file exists but could not be read. */
  unreadable?: boolean;
  /** `unlessSha256` was given and matched: the content was not sent (it is the expected one). */
  sameAsExpected?: boolean;
}

export interface ProbeOptions {
  /** Return the content (raw bytes inside a framed section: any bytes survive exactly). Default false. */
  content?: boolean;
  /**
   * With `content`: the SHA-256 (hex) of the content the caller expects. When the file matches, the
   * probe answers `sameAsExpected` instead of sending the bytes (a no-op on a big file stays cheap).
   */
  unlessSha256?: string;
  /** Follow a symlink at `path` and describe where it ends. Default false (describe the link). */
  follow?: boolean;
  /**
   * With `content` and `unlessSha256`: compare the hash only, never send the bytes back (a big file
   * whose old content is not worth a transfer for a diff). A differing file then has no `content`.
   */
  hashOnly?: boolean;
}

/** Refuses paths that are not absolute or hold a newline or NUL (no tool reads such a path reliably). */
export function checkPath(path: string, what = 'path'): void {
  if (typeof path !== 'string' || path === '') throw new Error(`${what} must be a non-empty string`);
  if (!path.startsWith('/')) throw new Error(`${what} must be absolute: ${JSON.stringify(path)}`);
  if (/[\n\r\0]/.test(path)) throw new Error(`${what} contains a newline or NUL: ${JSON.stringify(path)}`);
  checkWellFormed(path, what);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// Refuses a string holding a lone UTF-16 surrogate: with no UTF-8 form it would reach the host as U+FFFD
// (other bytes than asked, "changed" on every run). The message gives its position, never the value (a secret?).
export function checkWellFormed(value: string, what: string): void {
  const m = LONE_SURROGATE.exec(value);
  if (m) {
    const code = m[0].charCodeAt(0).toString(16).toUpperCase();
    throw new Error(
      `${what} holds a lone UTF-16 surrogate (\\u${code} at index ${m.index}): it has no UTF-8 form (it would be written as U+FFFD)`,
    );
  }
}

// Sets drover_h to the SHA-256 of stdin as exactly 64 lowercase hex digits, or fails (non-zero, a
// message on stderr, drover_h empty): a caller comparing it never mistakes a failure for a match.
// $1 = big: the input is big (>= HASH_WITH_OPENSSL_BYTES): use `openssl dgst` when the host has it.
// Why: coreutils' sha256sum (Debian's, at least) does not use the CPU's SHA instructions and OpenSSL
// does (1.08 s against 0.38 s for 500 MB on an EPYC, paid twice per big file: probe and write), but
// openssl's start-up costs ~1.5 ms more CPU than sha256sum's, which a small file never wins back.
// Otherwise sha256sum (openssl when there is no sha256sum). `command -v` is a builtin (no fork).
// A failing tool is a failure, never a fallback: stdin is already read. `-r` prints "<hex> *stdin",
// sha256sum "<hex>  -": both are cut at the first space. It sets a variable instead of printing, so
// callers need no $(...) around it: one fork+exec per hash.
const SHA256 = shellFunction(
  'drover_sha256',
  sh`if { [ "$1" = big ] && command -v openssl >/dev/null 2>&1; } || ! command -v sha256sum >/dev/null 2>&1; then
    drover_t='openssl dgst -sha256 -r'; drover_h=$(openssl dgst -sha256 -r)
  else drover_t=sha256sum; drover_h=$(sha256sum)
  fi || { drover_h=; echo "drover: $drover_t failed" >&2; return 1; }
  drover_h=\${drover_h%% *}
  case $drover_h in
    *[!0-9a-f]*) ;;
    *) if [ \${#drover_h} = 64 ]; then return 0; fi ;;
  esac
  drover_h=; echo "drover: $drover_t printed no SHA-256" >&2; return 1`,
);

/** From this size, a hash on the host is computed with openssl when it is there (see drover_sha256). */
export const HASH_WITH_OPENSSL_BYTES = 1 << 20;

// One function, defined once per shell session (see shellFunction). It prints sections of the caller's
// ProbeFrame (nonce $1) under the name $2 (see fileSections), so the file's own bytes travel raw and
// exact: no content, link target or owner name can open, close or forge a section. Each $(...) of an
// external command is a fork+exec on the host: keep them few.
//   $2.link  when the path is a symlink: its target (readlink's output)
//   $2.real  when following a symlink: where it ends (empty when it cannot be resolved: absent)
//   $2       "absent", or "KIND UID GID MODE OWNER GROUP"; rc=2 when the content matched $6 (not sent),
//            rc=3 when the sha256 of a readable file could not be computed
//   $2.data  with content asked, of a regular file: its bytes; rc != 0 when it could not be read
const PROBE = shellFunction(
  'drover_probe',
  sh`n=$1 s=$2 p=$3
  if [ -L "$p" ]; then
    printf '@%s %s.link\\n' "$n" "$s"; readlink -- "$p"; printf '\\n@%s %s.link rc=%s\\n' "$n" "$s" "$?"
    if [ "$4" = 1 ]; then
      p=$(readlink -f -- "$p" && echo .) || p=
      p=\${p%??}
      printf '@%s %s.real\\n%s\\n@%s %s.real rc=0\\n' "$n" "$s" "$p" "$n" "$s"
      if [ -z "$p" ]; then printf '@%s %s\\nabsent\\n@%s %s rc=0\\n' "$n" "$s" "$n" "$s"; return 0; fi
    fi
  fi
  if [ -L "$p" ]; then k=link
  elif [ -d "$p" ]; then k=directory
  elif [ -f "$p" ]; then k=file
  elif [ -e "$p" ]; then k=other
  else printf '@%s %s\\nabsent\\n@%s %s rc=0\\n' "$n" "$s" "$n" "$s"; return 0
  fi
  printf '@%s %s\\n%s ' "$n" "$s" "$k"; stat -c '%u %g %a %U %G' -- "$p" 2>/dev/null
  r=0
  if [ "$5" != 0 ] && [ "$k" = file ] && [ -n "$6" ]; then
    # rc=3: the file reads but its hash cannot be computed (an error, never a silent "changed");
    # one that cannot be opened keeps rc=0 and is reported unreadable (cat fails below)
    # hash-only probes are the big-file path (sysfile src): hash those with openssl when there is one
    if [ "$5" = 2 ]; then hs=big; else hs=small; fi
    if drover_sha256 "$hs" < "$p" 2>/dev/null; then
      if [ "$drover_h" = "$6" ]; then r=2; fi
    elif [ -r "$p" ]; then r=3
    fi
  fi
  printf '\\n@%s %s rc=%s\\n' "$n" "$s" "$r"
  if [ "$5" = 1 ] && [ "$k" = file ] && [ "$r" = 0 ]; then
    printf '@%s %s.data\\n' "$n" "$s"; cat -- "$p" 2>/dev/null; printf '\\n@%s %s.data rc=%s\\n' "$n" "$s" "$?"
  fi`,
);

/** The section names a probeCall under `name` may print, for ProbeFrame.parse's expected list. */
export function fileSections(name: string): string[] {
  return [name, `${name}.link?`, `${name}.real?`, `${name}.data?`];
}

/**
 * One call of the probe function, printing sections of `frame` under `name` (a section name: letters,
 * digits, `_.:/-`); the command carries the function's definition for the host to send once.
 */
export function probeCall(frame: ProbeFrame, name: string, path: string, opts: ProbeOptions = {}): ShellCommand {
  checkPath(path);
  if (opts.unlessSha256 !== undefined && !/^[0-9a-f]{64}$/.test(opts.unlessSha256))
    throw new Error('unlessSha256 must be 64 lowercase hex digits');
  checkName(`${name}.data`); // with its longest suffix
  if (opts.hashOnly && (!opts.content || opts.unlessSha256 === undefined))
    throw new Error('hashOnly needs content and unlessSha256');
  const content = !opts.content ? 0 : opts.hashOnly ? 2 : 1;
  return withFunction(
    SHA256,
    withFunction(
      PROBE,
      sh`drover_probe ${frame.nonce} ${name} ${path} ${opts.follow ? 1 : 0} ${content} ${opts.unlessSha256 ?? ''}`,
    ),
  );
}

const STAT = /^(link|directory|file|other) (\d+) (\d+) ([0-7]{1,4}) (\S+) (\S+)\n$/;

/** Drops exactly the one newline a command (readlink) printed after its word. */
function oneLine(text: string, what: string): string {
  if (!text.endsWith('\n')) throw new ProbeFormatError(`${what} does not end with a newline`);
  return text.slice(0, -1);
}

/** The FileState of the probe printed under `name` for `path` (strict: anything else is a ProbeFormatError). */
export function readFileProbe(s: ProbeSections, name: string, path: string): FileState {
  const st: FileState = { path, realPath: path, kind: 'absent' };
  if (s.has(`${name}.link`)) {
    const l = s.get(`${name}.link`);
    if (l.status !== 0) throw new Error(`cannot read the symlink ${path} (readlink exited ${l.status})`);
    st.linkTarget = oneLine(l.text, `the link target of ${path}`);
  }
  if (s.has(`${name}.real`)) {
    if (st.linkTarget === undefined) throw new ProbeFormatError(`${path}: a resolved path without a symlink`);
    st.realPath = s.text(`${name}.real`); // printed without a newline; empty: it cannot be resolved
  }
  const main = s.get(name);
  if (main.text === 'absent') {
    if (s.has(`${name}.data`) || main.status !== 0) throw new ProbeFormatError(`${path}: an absent path with content`);
    return st;
  }
  const m = STAT.exec(main.text);
  if (!m)
    throw new Error(`cannot stat ${st.realPath || path} (probe said: ${JSON.stringify(main.text.slice(0, 200))})`);
  st.kind = m[1] as FileState['kind'];
  st.uid = Number(m[2]);
  st.gid = Number(m[3]);
  st.mode = m[4].padStart(4, '0');
  st.owner = m[5];
  st.group = m[6];
  if (main.status === 2) st.sameAsExpected = true;
  else if (main.status === 3)
    throw new Error(
      `cannot compute the sha256 of ${st.realPath || path} on the host (sha256sum or openssl dgst -sha256 failed)`,
    );
  else if (main.status !== 0) throw new ProbeFormatError(`${path}: status ${main.status}`);
  if (s.has(`${name}.data`)) {
    if (st.kind !== 'file' || st.sameAsExpected) throw new ProbeFormatError(`${path}: content sent for a ${st.kind}`);
    const d = s.get(`${name}.data`);
    if (d.status === 0) st.content = d.bytes;
    else st.unreadable = true;
  }
  return st;
}

/** The state of one path, in one read-only round trip. */
export async function probePath<V>(host: Host<V>, path: string, opts: ProbeOptions = {}): Promise<FileState> {
  const f = new ProbeFrame();
  const r = await host.exec(probeCall(f, 'f', path, opts), { readOnly: true });
  return readFileProbe(f.parse(r.stdoutBytes, fileSections('f')), 'f', path);
}

/** The directory part of an absolute path ('/etc/x' -> '/etc', '/x' -> '/'). */
export function dirOf(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.replace(/\/+$/, '').slice(path.replace(/\/+$/, '').lastIndexOf('/') + 1);
}

export { checkValidate, splitWords, type Validate } from './validate-command.ts';
import { validateCommand, type Validate } from './validate-command.ts';

export interface WriteOptions {
  /** Exact byte count of the content on stdin: a short read (dropped connection) aborts before the rename. */
  size: number;
  /** SHA-256 (hex) of the content: checked on the host before the rename (bytes that changed on the way are refused). */
  sha256?: string;
  /** chown to this user/group (names or numbers); omitted: the temp file keeps the writer's. */
  owner?: string | number;
  group?: string | number;
  /** chmod to this, e.g. '0644' (always give one: the temp file is created 0600). */
  mode: string;
  validate?: Validate;
  /** Copy the old file here (cp -p) just before the rename, when there is an old file. */
  backupPath?: string;
  /** mkdir -p the directory first. */
  createParents?: boolean;
}

export { FileWriteError, VALIDATE_FAILED } from './file-write-error.ts';
import { FileWriteError, VALIDATE_FAILED } from './file-write-error.ts';

/** Temp file name next to the target: same directory, so the final rename is atomic. */
function tempPathFor(path: string): string {
  return `${dirOf(path).replace(/\/$/, '')}/.${baseOf(path)}.drover-${randomBytes(6).toString('hex')}`;
}

/**
 * Atomic write of stdin to `path`: temp file in the same directory (created exclusively, umask 077),
 * byte count checked, chown/chmod, fsync, validate, optional backup, rename, fsync of the directory.
 * Any failure removes the temp file and leaves the old file untouched.
 */
export function writeFileAtomic(path: string, o: WriteOptions, tmp = tempPathFor(path)): ShellCommand {
  checkPath(path);
  if (!/^[0-7]{3,4}$/.test(o.mode)) throw new Error(`mode must be octal like '0644': ${o.mode}`);
  if (o.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(o.sha256))
    throw new Error('sha256 must be 64 lowercase hex digits');
  const d = dirOf(path);
  const owner = chownSpec(o);
  const steps: ShellCommand[] = [
    sh`umask 077; p=${path}; d=${d}; t=${tmp}; n=${String(o.size)}; made=`,
    sh`fail() { [ -n "$made" ] && rm -f -- "$t"; printf 'drover: %s\\n' "$1" >&2; exit "\${2:-1}"; }`,
    // a dropped connection hangs up the shell: take the temp file along (the old file is never touched before mv);
    // any other way out (an `exit` this script did not foresee) takes it too: after the mv there is none
    sh`trap 'rm -f -- "$t"; exit 129' HUP INT TERM PIPE; trap '[ -z "$made" ] || rm -f -- "$t"' EXIT`,
  ];
  if (o.createParents) steps.push(sh`mkdir -p -- "$d" || fail "cannot create directory $d"`);
  steps.push(
    sh`[ -d "$d" ] || fail "directory $d does not exist (createParents: true creates it)"`,
    sh`(set -C; cat > "$t") && made=1 || { made=1; fail "cannot write temporary file $t (disk full or read-only?)"; }`,
    sh`got=$(wc -c < "$t" | tr -d ' ')`,
    sh`[ "$got" = "$n" ] || fail "received $got of $n bytes (connection dropped?)"`,
  );
  if (o.sha256 !== undefined) {
    // re-read from the page cache: cheaper than a tee in the data path, and it checks what is on disk
    steps.push(
      sh`drover_sha256 ${o.size >= HASH_WITH_OPENSSL_BYTES ? 'big' : 'small'} < "$t" || fail "cannot compute the sha256 of $t"; h=$drover_h`,
      sh`[ "$h" = ${o.sha256} ] || fail "the received bytes differ from the ones sent (sha256 $h, expected ${o.sha256})"`,
    );
  }
  if (owner !== undefined) steps.push(sh`chown -- ${owner} "$t" || fail "cannot chown the temporary file"`);
  steps.push(
    sh`chmod -- ${o.mode} "$t" || fail "cannot chmod the temporary file"`,
    sh`sync -- "$t" 2>/dev/null || sync`,
  );
  if (o.validate !== undefined) {
    const v = validateCommand(o.validate, tmp);
    // A subshell of its own: a validate function's variables (a loop's `p`), `exit`, traps, functions,
    // umask and cwd cannot reach this script (they once redirected the mv, or left the temp file behind).
    // Stdin closed: it must not read the session's input. Its stdout and stderr go to stderr: the error
    // shows them. The newlines keep a leading `(` from making `((` and a trailing comment from eating `)`.
    steps.push(sh`(
${v}
) </dev/null >&2 || fail "validate command exited $?" ${VALIDATE_FAILED}`);
  }
  if (o.backupPath !== undefined) {
    steps.push(sh`if [ -e "$p" ]; then cp -p -- "$p" ${o.backupPath} || fail "cannot back up $p"; fi`);
  }
  steps.push(sh`mv -f -- "$t" "$p" || fail "cannot rename $t to $p"`, sh`sync -- "$d" 2>/dev/null || :`);
  const script = sh`(
${ShellCommand.join(steps, '\n')}
)`;
  return o.sha256 === undefined ? script : withFunction(SHA256, script);
}

// A user or group name as shadow's useradd/groupadd accept it (plus a trailing $ for machine accounts):
// never empty, '.', a ':' (chown's separator) or a leading '-' (an option).
const ID_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}\$?$/;

/**
 * Refuses an owner or group chown cannot take as one user/group: ':' or '.' would be read as a
 * separator (chown ':' changes nothing, so the file would report changed forever), '-x' as an option.
 * Numbers are ids (0 to 2^32-2).
 */
export function checkOwnership(o: { owner?: string | number; group?: string | number }, where = 'chown'): void {
  for (const [what, v] of [
    ['owner', o.owner],
    ['group', o.group],
  ] as const) {
    if (v === undefined) continue;
    const ok =
      typeof v === 'number'
        ? Number.isInteger(v) && v >= 0 && v < 0xffffffff
        : typeof v === 'string' && ID_NAME.test(v);
    if (!ok)
      throw new Error(
        `${where}: ${what} must be a ${what === 'owner' ? 'user' : 'group'} name or a numeric id, got ${JSON.stringify(v)}`,
      );
  }
}

/** chown's argument: 'user', ':group' or 'user:group' ('user:' would also set user's login group). */
export function chownSpec(o: { owner?: string | number; group?: string | number }): string | undefined {
  if (o.owner === undefined && o.group === undefined) return undefined;
  checkOwnership(o);
  if (o.group === undefined) return String(o.owner);
  return `${o.owner ?? ''}:${o.group}`;
}

/**
 * Runs writeFileAtomic with `content` on stdin (size and sha256 checked on the host); throws
 * FileWriteError naming the path on failure. A LocalFile (sysfile's `src`) is streamed from disk;
 * big bytes are streamed too (see shell-session.ts), small ones travel with the command.
 */
export async function writeFile<V>(
  host: Host<V>,
  path: string,
  content: string | Uint8Array | LocalFile,
  o: Omit<WriteOptions, 'size' | 'sha256'>,
): Promise<void> {
  let r;
  if (isLocalFile(content)) {
    r = await host.exec(writeFileAtomic(path, { ...o, size: content.size, sha256: content.sha256 }), {
      stdin: streamLocalFile(content),
      allowFail: true,
    });
  } else {
    const bytes =
      typeof content === 'string'
        ? Buffer.from(content, 'utf8')
        : Buffer.isBuffer(content)
          ? content
          : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    // sysfile's content is a snapshot hashed once for all hosts (see sysfile-source.ts)
    const sha256 = digestOf(bytes);
    r = await host.exec(writeFileAtomic(path, { ...o, size: bytes.length, sha256 }), { stdin: bytes, allowFail: true });
  }
  // Masked here too (not only by the module layer): a module author's caller may print err.stderr.
  if (r.code !== 0)
    throw new FileWriteError(
      host.name,
      path,
      r.code,
      runtimeOf(host as Host<unknown>)?.secrets.redact(r.stderr) ?? r.stderr,
    );
}

/** Removes a file or symlink (a directory only with `recursive`), after an optional backup copy. */
export function removePath(path: string, o: { recursive?: boolean; backupPath?: string } = {}): ShellCommand {
  checkPath(path);
  if (path === '/' || /^\/+$/.test(path)) throw new Error('refusing to remove /');
  const backup = o.backupPath === undefined ? sh`:` : sh`if [ -f ${path} ]; then cp -p -- ${path} ${o.backupPath}; fi`;
  return o.recursive ? sh`${backup} && rm -rf -- ${path}` : sh`${backup} && rm -f -- ${path}`;
}

/** mkdir (-p when createParents), then chown/chmod when given. */
export function makeDirectory(
  path: string,
  o: { owner?: string | number; group?: string | number; mode?: string; createParents?: boolean },
): ShellCommand {
  checkPath(path);
  const parts = [o.createParents === false ? sh`mkdir -- ${path}` : sh`mkdir -p -- ${path}`];
  parts.push(setAttributes(path, o));
  return ShellCommand.join(parts, ' && ');
}

/** chown/chmod of an existing path (no-op `:` when nothing is given). */
export function setAttributes(
  path: string,
  o: { owner?: string | number; group?: string | number; mode?: string },
): ShellCommand {
  const parts: ShellCommand[] = [];
  const spec = chownSpec(o);
  if (spec !== undefined) parts.push(sh`chown -- ${spec} ${path}`);
  if (o.mode !== undefined) parts.push(sh`chmod -- ${o.mode} ${path}`);
  return parts.length ? ShellCommand.join(parts, ' && ') : sh`:`;
}

/** Points `path` at `target`: a new link made beside it, then renamed over (atomic replace). */
export function makeSymlink(path: string, target: string, o: { createParents?: boolean } = {}): ShellCommand {
  checkPath(path);
  if (target === '' || /[\n\0]/.test(target))
    throw new Error(`link target must be one non-empty line: ${JSON.stringify(target)}`);
  checkWellFormed(target, 'link target');
  const tmp = tempPathFor(path);
  const mk = o.createParents ? sh`mkdir -p -- ${dirOf(path)} && ` : sh``;
  return sh`${mk}ln -s -- ${target} ${tmp} && { mv -f -T -- ${tmp} ${path} 2>/dev/null || mv -f -- ${tmp} ${path} || { rm -f -- ${tmp}; exit 1; }; }`;
}
