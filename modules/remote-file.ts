// Remote-side POSIX sh snippets for files: one-round-trip probes and atomic writes, plus their parsers.
//
// API for module authors (stable):
//   probeFile(path, opts) / probeFiles(list)  -> ShellCommand printing self-delimited sections
//   probeCall(path, opts)                     -> one probe, to combine with your own checks in one script
//   parseFileProbes(stdout)                   -> { files: FileState[], rest: string[] } (rest: your own lines)
//   writeFileAtomic(path, opts)               -> ShellCommand; content on stdin (exact bytes)
//   writeFile(host, path, content, opts)      -> runs writeFileAtomic and turns failures into clear errors
//   removePath / makeDirectory / makeSymlink / setAttributes -> small ShellCommands for the other states
import { randomBytes } from 'node:crypto';
import type { Host } from '../core/host.ts';
import { sh, shellFunction, ShellCommand, withFunction } from '../core/sh.ts';

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
  /** Return the content (base64 on the wire, so any bytes survive). Default false. */
  content?: boolean;
  /**
   * With `content`: the SHA-256 (hex) of the content the caller expects. When the file matches, the
   * probe answers `sameAsExpected` instead of sending the bytes (a no-op on a big file stays cheap).
   */
  unlessSha256?: string;
  /** Follow a symlink at `path` and describe where it ends. Default false (describe the link). */
  follow?: boolean;
}

/** Refuses paths no probe or write can carry safely (newlines would break the line protocol). */
export function checkPath(path: string, what = 'path'): void {
  if (typeof path !== 'string' || path === '') throw new Error(`${what} must be a non-empty string`);
  if (!path.startsWith('/')) throw new Error(`${what} must be absolute: ${JSON.stringify(path)}`);
  if (/[\n\r\0]/.test(path)) throw new Error(`${what} contains a newline or NUL: ${JSON.stringify(path)}`);
}

// One function, defined once per shell session (see shellFunction). Sections: "@drover-file" .. "@end";
// base64 never starts with '@'. Each $(...) of an external command is a fork+exec on the host: keep them few.
const PROBE = shellFunction(
  'drover_probe',
  sh`p=$1
  printf '@drover-file\\n'
  if [ -L "$p" ]; then
    printf '@link %s\\n' "$(readlink -- "$p")"
    if [ "$2" = 1 ]; then
      p=$(readlink -f -- "$p") || p=
      printf '@real %s\\n' "$p"
      if [ -z "$p" ]; then printf '@state absent\\n@end\\n'; return 0; fi
    fi
  fi
  if [ -L "$p" ]; then k=link
  elif [ -d "$p" ]; then k=directory
  elif [ -f "$p" ]; then k=file
  elif [ -e "$p" ]; then k=other
  else printf '@state absent\\n@end\\n'; return 0
  fi
  printf '@state %s %s\\n' "$k" "$(stat -c '%u %g %a %U %G' -- "$p")"
  if [ "$3" = 1 ] && [ "$k" = file ]; then
    h=
    if [ -n "$4" ]; then h=$(sha256sum < "$p" 2>/dev/null); fi
    if [ -n "$4" ] && [ "\${h%% *}" = "$4" ]; then
      printf '@same\\n'
    else
      printf '@content\\n'
      base64 < "$p" 2>/dev/null || printf '@unreadable\\n'
    fi
  fi
  printf '@end\\n'`,
);

/** One call of the probe function; the command carries the function's definition for the host to send once. */
export function probeCall(path: string, opts: ProbeOptions = {}): ShellCommand {
  checkPath(path);
  if (opts.unlessSha256 !== undefined && !/^[0-9a-f]{64}$/.test(opts.unlessSha256)) throw new Error('unlessSha256 must be 64 lowercase hex digits');
  return withFunction(PROBE, sh`drover_probe ${path} ${opts.follow ? 1 : 0} ${opts.content ? 1 : 0} ${opts.unlessSha256 ?? ''}`);
}

/** A complete read-only script probing one path. */
export function probeFile(path: string, opts: ProbeOptions = {}): ShellCommand {
  return probeFiles([{ path, ...opts }]);
}

/** A complete read-only script probing several paths in one round trip (sections in the same order). */
export function probeFiles(list: readonly ({ path: string } & ProbeOptions)[]): ShellCommand {
  return ShellCommand.join(list.map((f) => probeCall(f.path, f)), '\n');
}

/**
 * Parses the sections printed by probe calls (in order). Lines outside sections are returned in
 * `rest`, so a module can print its own facts in the same script.
 */
export function parseFileProbes(stdout: string | Buffer, paths?: readonly string[]): { files: FileState[]; rest: string[] } {
  const text = typeof stdout === 'string' ? stdout : stdout.toString('latin1'); // base64 and paths are ASCII-safe here
  const lines = text.split('\n');
  const files: FileState[] = [];
  const rest: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '@drover-file') {
      if (lines[i] !== '' || i < lines.length - 1) rest.push(typeof stdout === 'string' ? lines[i] : Buffer.from(lines[i], 'latin1').toString('utf8'));
      continue;
    }
    const path = paths?.[files.length] ?? '';
    const st: FileState = { path, realPath: path, kind: 'absent' };
    let b64: string[] | undefined;
    for (i++; i < lines.length && lines[i] !== '@end'; i++) {
      const l = lines[i];
      if (b64 && !l.startsWith('@')) {
        b64.push(l);
      } else if (l.startsWith('@link ')) {
        st.linkTarget = Buffer.from(l.slice(6), 'latin1').toString('utf8');
      } else if (l.startsWith('@real ')) {
        st.realPath = Buffer.from(l.slice(6), 'latin1').toString('utf8');
      } else if (l.startsWith('@state ')) {
        const f = l.slice(7).split(' ');
        st.kind = f[0] as FileState['kind'];
        if (st.kind !== 'absent') {
          if (f.length < 6 || !/^[0-7]+$/.test(f[3])) throw new Error(`cannot stat ${st.realPath || 'a probed path'} (probe said: ${l})`);
          st.uid = Number(f[1]);
          st.gid = Number(f[2]);
          st.mode = f[3].padStart(4, '0');
          st.owner = f[4];
          st.group = f[5];
        }
      } else if (l === '@same') {
        st.sameAsExpected = true;
      } else if (l === '@content') {
        b64 = [];
      } else if (l === '@unreadable') {
        st.unreadable = true;
        b64 = undefined;
      }
    }
    if (b64 && !st.unreadable) st.content = Buffer.from(b64.join(''), 'base64');
    files.push(st);
  }
  if (paths && files.length !== paths.length) throw new Error(`file probe returned ${files.length} answers for ${paths.length} paths`);
  return { files, rest };
}

/** The directory part of an absolute path ('/etc/x' -> '/etc', '/x' -> '/'). */
export function dirOf(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.replace(/\/+$/, '').slice(path.replace(/\/+$/, '').lastIndexOf('/') + 1);
}

/** Splits a command template like a POSIX shell would split words (quotes, backslashes); no expansions. */
export function splitWords(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i];
    if (c === "'") {
      const j = cmd.indexOf("'", i + 1);
      if (j < 0) throw new Error(`unterminated ' in ${JSON.stringify(cmd)}`);
      cur += cmd.slice(i + 1, j);
      i = j;
      inWord = true;
    } else if (c === '"') {
      inWord = true;
      for (i++; i < cmd.length && cmd[i] !== '"'; i++) {
        if (cmd[i] === '\\' && i + 1 < cmd.length && '"\\$`'.includes(cmd[i + 1])) i++;
        cur += cmd[i];
      }
      if (i >= cmd.length) throw new Error(`unterminated " in ${JSON.stringify(cmd)}`);
    } else if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/**
 * A validate command run on the new content before it replaces the old: a template with `%s` for the
 * temporary file ('visudo -cf %s'), split into words and run without a shell (as Ansible does), or a
 * function building the command from the temp path.
 */
export type Validate = string | ((tmpPath: string) => ShellCommand);

function validateCommand(v: Validate, tmp: string): ShellCommand {
  if (typeof v === 'function') return v(tmp);
  if (!v.includes('%s')) throw new Error(`validate must contain %s: ${v}`);
  const words = splitWords(v).map((w) => w.split('%s').join(tmp));
  if (words.length === 0) throw new Error('validate is empty');
  return sh`${words}`;
}

export interface WriteOptions {
  /** Exact byte count of the content on stdin: a short read (dropped connection) aborts before the rename. */
  size: number;
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

/** Exit code the write script uses when `validate` rejected the content. */
export const VALIDATE_FAILED = 3;

/** Temp file name next to the target: same directory, so the final rename is atomic. */
export function tempPathFor(path: string): string {
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
  const d = dirOf(path);
  const owner = chownSpec(o);
  const steps: ShellCommand[] = [
    sh`umask 077; p=${path}; d=${d}; t=${tmp}; n=${String(o.size)}; made=`,
    sh`fail() { [ -n "$made" ] && rm -f -- "$t"; printf 'drover: %s\\n' "$1" >&2; exit "\${2:-1}"; }`,
    // a dropped connection hangs up the shell: take the temp file along (the old file is never touched before mv)
    sh`trap 'rm -f -- "$t"; exit 129' HUP INT TERM PIPE`,
  ];
  if (o.createParents) steps.push(sh`mkdir -p -- "$d" || fail "cannot create directory $d"`);
  steps.push(
    sh`[ -d "$d" ] || fail "directory $d does not exist (createParents: true creates it)"`,
    sh`(set -C; cat > "$t") && made=1 || { made=1; fail "cannot write temporary file $t (disk full or read-only?)"; }`,
    sh`got=$(wc -c < "$t" | tr -d ' ')`,
    sh`[ "$got" = "$n" ] || fail "received $got of $n bytes (connection dropped?)"`,
  );
  if (owner !== undefined) steps.push(sh`chown -- ${owner} "$t" || fail "cannot chown the temporary file"`);
  steps.push(
    sh`chmod -- ${o.mode} "$t" || fail "cannot chmod the temporary file"`,
    sh`sync -- "$t" 2>/dev/null || sync`,
  );
  if (o.validate !== undefined) {
    const v = validateCommand(o.validate, tmp);
    // The validator's own output goes to stderr: it is what the error shows.
    steps.push(sh`${v} >&2 </dev/null || fail "validate command exited $?" ${VALIDATE_FAILED}`);
  }
  if (o.backupPath !== undefined) {
    steps.push(sh`if [ -e "$p" ]; then cp -p -- "$p" ${o.backupPath} || fail "cannot back up $p"; fi`);
  }
  steps.push(sh`mv -f -- "$t" "$p" || fail "cannot rename $t to $p"`, sh`sync -- "$d" 2>/dev/null || :`);
  return sh`(
${ShellCommand.join(steps, '\n')}
)`;
}

/** chown's argument: 'user', ':group' or 'user:group' ('user:' would also set user's login group). */
export function chownSpec(o: { owner?: string | number; group?: string | number }): string | undefined {
  if (o.owner === undefined && o.group === undefined) return undefined;
  if (o.group === undefined) return String(o.owner);
  return `${o.owner ?? ''}:${o.group}`;
}

/** An error from the write script, with what the validator or the script said. */
export class FileWriteError extends Error {
  override name = 'FileWriteError';
  constructor(
    readonly host: string,
    readonly path: string,
    readonly code: number,
    readonly stderr: string,
  ) {
    const lines = stderr.replace(/\s+$/, '').split('\n').slice(-12).join('\n');
    super(
      code === VALIDATE_FAILED
        ? `validate rejected the new content of ${path} on ${host}; the old file is untouched:\n${lines}`
        : `writing ${path} on ${host} failed (exit ${code}); the old file is untouched:\n${lines}`,
    );
  }
}

/** Runs writeFileAtomic with `content` on stdin; throws FileWriteError naming the path on failure. */
export async function writeFile<V>(
  host: Host<V>,
  path: string,
  content: string | Uint8Array,
  o: Omit<WriteOptions, 'size'>,
): Promise<void> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  const r = await host.exec(writeFileAtomic(path, { ...o, size: bytes.length }), { stdin: bytes, allowFail: true });
  if (r.code !== 0) throw new FileWriteError(host.name, path, r.code, r.stderr);
}

/** Removes a file or symlink (a directory only with `recursive`), after an optional backup copy. */
export function removePath(path: string, o: { recursive?: boolean; backupPath?: string } = {}): ShellCommand {
  checkPath(path);
  if (path === '/' || /^\/+$/.test(path)) throw new Error('refusing to remove /');
  const backup = o.backupPath === undefined ? sh`:` : sh`if [ -f ${path} ]; then cp -p -- ${path} ${o.backupPath}; fi`;
  return o.recursive ? sh`${backup} && rm -rf -- ${path}` : sh`${backup} && rm -f -- ${path}`;
}

/** mkdir (-p when createParents), then chown/chmod when given. */
export function makeDirectory(path: string, o: { owner?: string | number; group?: string | number; mode?: string; createParents?: boolean }): ShellCommand {
  checkPath(path);
  const parts = [o.createParents === false ? sh`mkdir -- ${path}` : sh`mkdir -p -- ${path}`];
  parts.push(setAttributes(path, o));
  return ShellCommand.join(parts, ' && ');
}

/** chown/chmod of an existing path (no-op `:` when nothing is given). */
export function setAttributes(path: string, o: { owner?: string | number; group?: string | number; mode?: string }): ShellCommand {
  const parts: ShellCommand[] = [];
  const spec = chownSpec(o);
  if (spec !== undefined) parts.push(sh`chown -- ${spec} ${path}`);
  if (o.mode !== undefined) parts.push(sh`chmod -- ${o.mode} ${path}`);
  return parts.length ? ShellCommand.join(parts, ' && ') : sh`:`;
}

/** Points `path` at `target`: a new link made beside it, then renamed over (atomic replace). */
export function makeSymlink(path: string, target: string, o: { createParents?: boolean } = {}): ShellCommand {
  checkPath(path);
  if (target === '' || /[\n\0]/.test(target)) throw new Error(`link target must be one non-empty line: ${JSON.stringify(target)}`);
  const tmp = tempPathFor(path);
  const mk = o.createParents ? sh`mkdir -p -- ${dirOf(path)} && ` : sh``;
  return sh`${mk}ln -s -- ${target} ${tmp} && { mv -f -T -- ${tmp} ${path} 2>/dev/null || mv -f -- ${tmp} ${path} || { rm -f -- ${tmp}; exit 1; }; }`;
}
