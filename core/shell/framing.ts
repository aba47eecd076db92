// Frames one command for a long-lived `sh` and cuts its exact stdout/stderr/exit code back out of the channel.
import { randomBytes } from 'node:crypto';
import { quote } from '../sh.ts';
import {
  jobDone,
  JOB_STATES,
  jobPrepare,
  jobRun,
  parseJobMarker,
  type JobFrame,
  type JobInfo,
  type JobState,
} from './job-script.ts';

/**
 * Why this shape (README "Guarantees of the command channel"):
 *
 * 1. A command never writes to the channel. Its stdout and stderr are two fresh files in the session's
 *    private directory (`$drover_d/<seq>.o`, `.e`), its stdin is /dev/null or the payload. Once it exits, the
 *    shell itself copies the files to the channel between markers. A background process the command left
 *    behind keeps its descriptors on *those* files, which are never read again: whatever it writes later
 *    is nobody's output, and it cannot reach the channel or a later command's files (fresh names and inodes).
 * 2. Only the session's shell writes to the channel, and it writes only frames:
 *      `<tag> s\n` <stdout file> `<tag> o <exit code>\n` <stderr file> `<tag> e <state>\n`
 *    all on the channel's stdout (one `printf` when there is no output; else one `cat` of the stdout file,
 *    a file holding the middle marker, and the stderr file). `<tag>` carries a fresh 128-bit nonce per command. The nonce is only in
 *    the text the shell reads; file names use a sequence number, so a command cannot learn it and no output
 *    (fake markers, NUL bytes, a missing final newline) can end a frame early or late.
 * 3. `<state>` tells whether the output is whole: `ok`; `full` (the directory had no room after the command
 *    ran: a write may have failed, so its output cannot be trusted); `nofile` (the files could not be
 *    created: the command did not run); `unreadable` (copying a file failed).
 * 4. Live output (progress of long commands) is optional: `tail -f` copies the files to the channel while
 *    the command runs (stdout to its stdout, stderr to its stderr), and is killed and waited for before the
 *    frame starts. So live bytes are a prefix of the result, never a part of it that decides anything (the
 *    session hands out the rest from the result). On the channel's stderr the live copy sits between
 *    `<tag> b\n` and `<tag> l\n`, both printed by the shell (see LiveErrReader): what is outside them is the
 *    shell's own complaints, and the session takes the frame as complete only once `l` came too (the two
 *    streams arrive independently: over local pipes the frame may come first).
 *    Without GNU tail (`--pid`) there is no live copy: all of it comes with the result.
 *
 * The command text travels as one single-quoted word and runs in `( eval ... )`, a subshell: `cd`, variables,
 * traps, `exit`, `exec >&-` stay inside it. A small stdin payload is decoded from a base64 here-doc (delimited
 * by the nonce) and piped in: in a pipeline `$?` is the status of the last element, the command. A big one
 * is streamed raw after the command text (see `streamSize`): the shell announces `<tag> r` when it runs the
 * line, drover then writes exactly N bytes, and `head -c N` copies them off the shell's own stdin into the
 * command's; the frame follows as usual.
 * The channel's stderr carries only the shell's own complaints (a file it could not create); the session
 * keeps their tail for error messages.
 */

/** 16 random bytes as hex: unguessable for a command running before its own frame is written. */
export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

export function endTag(nonce: string): string {
  return `:drover-end:${nonce}`;
}

/** The session's shell variable holding its private output directory. */
export const DIR_VAR = 'drover_d';

/**
 * Run once when the shell is ready: makes the private output directory (mode 0700; tmpfs /dev/shm
 * first, else $TMPDIR, else /tmp) and removes it when the shell exits. Answers `<tag> i <status> <dir>\n`.
 *
 * The EXIT trap removes the directory only in the session's shell itself: bash runs it in a forked child
 * too when that child is killed before it dropped the trap (a `tail &` killed at once). `read` of
 * /proc/self/stat is a builtin, so it names the process running the trap (`$$` would name the parent);
 * without /proc both sides are empty and the trap removes the directory as before.
 */
export function initScript(nonce: string): string {
  const tag = endTag(nonce);
  const mk = (base: string) => `mktemp -d ${base}/drover.XXXXXXXX`;
  const me = (v: string) => `{ read -r ${v} drover_x </proc/self/stat; } 2>/dev/null`;
  return (
    `${me('drover_pid')}; ` +
    `${DIR_VAR}=$(umask 077; ${mk('/dev/shm')} 2>/dev/null || ${mk('"${TMPDIR:-/tmp}"')} 2>/dev/null || ${mk('/tmp')}) && ` +
    `trap '${me('drover_me')}; [ "$drover_me" != "$drover_pid" ] || rm -rf -- "$${DIR_VAR}"' EXIT; ` +
    `printf '%s i %s %s\\n' ${tag} "$?" "$${DIR_VAR}"\n`
  );
}

export interface FrameOptions {
  /** Per-session sequence number: names the output files. */
  seq: number;
  /** Payload sent inside the command text (a base64 here-doc): small inputs, one write. */
  stdin?: Buffer;
  /**
   * Payload of this many bytes streamed raw on the channel after the command text: the shell prints
   * `<tag> r` once it runs the line, then `head -c` reads exactly these bytes off its own stdin.
   */
  streamSize?: number;
  /** Function definitions to evaluate in the session's shell first (see shell-session.ts). */
  definitions?: string;
  /** Copy output to the channel while the command runs. */
  live?: boolean;
  /** Remove the files of earlier commands first. */
  sweep?: boolean;
  /** Run it detached, as a job that outlives the session (job-script.ts); its files are the job's. */
  job?: JobFrame;
}

/** The sh text that runs `command` as described above. */
export function frameCommand(command: string, nonce: string, o: FrameOptions): string {
  if (command.includes('\0') || o.definitions?.includes('\0'))
    throw new Error('a shell command cannot contain a NUL byte');
  const tag = endTag(nonce);
  const job = o.job;
  if (job && (o.streamSize !== undefined || o.definitions))
    throw new Error('frameCommand: a job takes no streamed input and carries its own definitions');
  const f = job ? `"$drover_j/` : `"$${DIR_VAR}/${o.seq}.`;
  const out = `${f}o"`;
  const err = `${f}e"`;
  const parts: string[] = [];
  // Earlier commands' files: a background process may still write to them; unlinking them only frees the space.
  if (o.sweep) parts.push(`[ -z "$${DIR_VAR}" ] || rm -f -- "$${DIR_VAR}"/*`);
  // Definitions run in the session's shell (a brace group, no subshell); their complaints go to the command's stderr.
  if (o.definitions) parts.push(`{ ${o.definitions}\n} 2>${err}`);
  const errRedir = o.definitions ? `2>>${err}` : `2>${err}`;
  if (job) parts.push(jobPrepare(job));
  if (o.live) {
    parts.push(
      // A job's files are made (or kept, when re-attaching) by jobPrepare.
      ...(job ? [] : [`{ :; } >${out} ${errRedir}`]),
      `printf '%s b\\n' ${tag} >&2`,
      `tail --pid=$$ -c +1 -f ${out} 2>/dev/null & drover_t1=$!`,
      // Order matters: `>&2` first (stdout to the channel's stderr), then tail's own complaints away.
      `tail --pid=$$ -c +1 -f ${err} >&2 2>/dev/null & drover_t2=$!`,
    );
  }
  const run = `( eval ${quote(command)} )`;
  if (o.stdin !== undefined && o.streamSize !== undefined)
    throw new Error('frameCommand: stdin and streamSize exclude each other');
  if (job) {
    parts.push(
      jobRun(command, tag, job, o.stdin === undefined ? '' : `base64 -d <<'DROVER_IN_${nonce}' 2>/dev/null |`),
    );
  } else if (o.streamSize !== undefined) {
    if (!Number.isSafeInteger(o.streamSize) || o.streamSize < 0)
      throw new Error(`frameCommand: bad streamSize ${o.streamSize}`);
    // `r` is printed only after the shell has read this whole line (it is executing it), and drover sends
    // the payload only after seeing it: so the payload is not in the shell's own read buffer (dash reads
    // ahead in blocks) and `head -c` gets all of it. `head -c N` reads exactly N bytes (or up to EOF: a cut
    // connection), never more; the `cat` after the command drains what it did not read, so whatever the
    // command does (exits early, fails) no payload byte is left on the channel to be read as a command.
    // Without a working `head -c` the shell would read the payload as commands: then no `r` is printed,
    // nothing is sent, and the command does not run (the session rejects the run).
    parts.push(
      `if head -c 0 </dev/null >/dev/null 2>&1; then printf '%s r\\n' ${tag}; ` +
        `head -c ${o.streamSize} | { ${run} >${out} ${o.live ? `2>>${err}` : errRedir}; drover_s=$?; cat >/dev/null; exit $drover_s; }; drover_s=$?; ` +
        `else : >${out}; printf 'drover: no head -c on this host: cannot stream the input\\n' >>${err}; drover_s=127; fi`,
    );
  } else if (o.stdin === undefined) {
    parts.push(`${run} </dev/null >${out} ${o.live ? `2>>${err}` : errRedir}; drover_s=$?`);
  } else {
    parts.push(
      `base64 -d <<'DROVER_IN_${nonce}' 2>/dev/null | ${run} >${out} ${o.live ? `2>>${err}` : errRedir}; drover_s=$?`,
    );
  }
  if (o.live)
    parts.push(
      `kill -9 $drover_t1 $drover_t2 2>/dev/null; wait $drover_t1 $drover_t2 2>/dev/null; printf '%s l\\n' ${tag} >&2`,
    );
  const mid = `${f}m"`;
  // A job's own state (died, reboot, gone, nodir) wins over the output's.
  const k = (state: string) => (job ? `\${drover_jk:-${state}}` : state);
  // A job's directory goes once its files were copied, before the frame ends: a result drover has read is
  // never found again (a dropped frame then reads as "gone", never as a second run).
  const done = job ? `${jobDone(job.run)}; ` : '';
  parts.push(
    // The middle marker goes to a file of its own: then one `cat` copies stdout, marker and stderr (one
    // process per command, none when there is no output). Writing it needs a new block: when none is
    // left, a write of the command may have failed too, and its output cannot be trusted.
    `if ! [ -f ${out} ] || ! [ -f ${err} ]; then drover_k=${k('nofile')}; elif printf '%s o %s\\n' ${tag} "$drover_s" >${mid}; then drover_k=${k('ok')}; else drover_k=${k('full')}; fi`,
    // No output (most commands): the whole frame in one write.
    `if ! [ -s ${out} ] && ! [ -s ${err} ]; then ${done}printf '%s s\\n%s o %s\\n%s e %s\\n' ${tag} ${tag} "$drover_s" ${tag} "$drover_k"; else printf '%s s\\n' ${tag}`,
    `if [ $drover_k = ok ]; then cat -- ${out} ${mid} ${err} || drover_k=unreadable`,
    // No marker file: the marker comes from printf itself.
    `else { ! [ -s ${out} ] || cat -- ${out} || drover_k=unreadable; }; printf '%s o %s\\n' ${tag} "$drover_s"; { ! [ -s ${err} ] || cat -- ${err} || drover_k=unreadable; }; fi`,
    `${done}printf '%s e %s\\n' ${tag} "$drover_k"; fi`,
  );
  let text = parts.join('; ') + '\n';
  if (o.stdin !== undefined) {
    // base64 never contains '_', so no payload line can equal the delimiter.
    const b64 = o.stdin.toString('base64').replace(/.{1,76}/g, '$&\n');
    text += `${b64}DROVER_IN_${nonce}\n`;
  }
  return text;
}

/**
 * Finds `<prefix><arg>\n` in a stream fed in arbitrary chunks. Everything before the prefix is handed out
 * as soon as it cannot be the start of the prefix; `arg` is the rest of the marker line.
 */
export class MarkerScanner {
  private readonly tag: Buffer;
  private held: Buffer = Buffer.alloc(0);
  done = false;
  arg = '';
  /** Bytes after the marker line. */
  rest: Buffer = Buffer.alloc(0);

  /** @param maxArg longest marker argument expected: a longer unfinished line is a broken protocol */
  constructor(
    prefix: string,
    private readonly maxArg = 64,
  ) {
    this.tag = Buffer.from(prefix);
  }

  /** Feeds a chunk; returns the bytes that certainly come before the marker. */
  feed(chunk: Buffer): Buffer {
    if (this.done) throw new Error('MarkerScanner fed after its marker');
    const buf = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    const at = buf.indexOf(this.tag);
    if (at < 0) {
      const keep = this.partialTagAtEnd(buf);
      this.held = Buffer.from(buf.subarray(buf.length - keep));
      return buf.subarray(0, buf.length - keep);
    }
    const nl = buf.indexOf(0x0a, at + this.tag.length);
    if (nl < 0) {
      // The marker has started but its line is incomplete: keep it until the newline arrives.
      if (buf.length - at > this.tag.length + this.maxArg)
        throw new Error('malformed end marker from the remote shell: no end of line');
      this.held = Buffer.from(buf.subarray(at));
      return buf.subarray(0, at);
    }
    this.arg = buf.subarray(at + this.tag.length, nl).toString('latin1');
    this.done = true;
    this.held = Buffer.alloc(0);
    this.rest = Buffer.from(buf.subarray(nl + 1));
    return buf.subarray(0, at);
  }

  /** Length of the longest suffix of `buf` that is a proper prefix of the tag (it may be a marker starting). */
  private partialTagAtEnd(buf: Buffer): number {
    const max = Math.min(buf.length, this.tag.length - 1);
    for (let k = max; k > 0; k--) {
      if (buf.compare(this.tag, 0, k, buf.length - k) === 0) return k;
    }
    return 0;
  }
}

/**
 * Reads the channel's stderr while a live command runs: `<complaints> <tag> b\n <live stderr> <tag> l\n <complaints>`.
 * Only the shell knows the tag, so a command's stderr cannot end the live part early.
 */
export class LiveErrReader {
  private readonly begin: MarkerScanner;
  private readonly end: MarkerScanner;

  constructor(nonce: string) {
    this.begin = new MarkerScanner(`${endTag(nonce)} `);
    this.end = new MarkerScanner(`${endTag(nonce)} `);
  }

  /** Whether the live part has ended (`<tag> l` was read). */
  get done(): boolean {
    return this.end.done;
  }

  /** Feeds bytes of the channel's stderr; returns the command's live stderr and the shell's own words. */
  feed(chunk: Buffer): { live: Buffer; other: Buffer } {
    const none: Buffer = Buffer.alloc(0);
    if (this.end.done) return { live: none, other: chunk };
    let other: Buffer = none;
    if (!this.begin.done) {
      other = this.begin.feed(chunk);
      if (!this.begin.done) return { live: none, other };
      if (this.begin.arg !== 'b')
        throw new Error(
          `broken frame from the remote shell: marker ${JSON.stringify(this.begin.arg)} where "b" was due on stderr`,
        );
      chunk = this.begin.rest;
    }
    const live = this.end.feed(chunk);
    if (!this.end.done) return { live, other };
    if (this.end.arg !== 'l')
      throw new Error(
        `broken frame from the remote shell: marker ${JSON.stringify(this.end.arg)} where "l" was due on stderr`,
      );
    return { live, other: other.length ? Buffer.concat([other, this.end.rest]) : this.end.rest };
  }
}

/** Whether the output came back whole (see point 3 above), and a job's own end (job-script.ts). */
export type OutputState = 'ok' | 'full' | 'nofile' | 'unreadable' | JobState;

export interface FrameResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
  state: OutputState;
}

/** Reads one command's frame from the channel's stdout: live bytes first, then the exact result. */
export class FrameReader {
  /** One scanner per marker, in order; each finds `<tag> ` and the rest of its line. */
  private readonly scanners: MarkerScanner[];
  private readonly tag: string;
  private phase = 0;
  private readonly chunks: { stdout: Buffer[]; stderr: Buffer[] } = { stdout: [], stderr: [] };
  private code = 0;
  private state: OutputState = 'ok';

  /**
   * @param onReady with a streamed payload: called at the `<tag> r` marker (once), when the host reads it
   * @param onJob with a job: called at its `<tag> j` marker (pid and directory)
   */
  constructor(
    nonce: string,
    private onReady?: () => void,
    private readonly onJob?: (job: JobInfo) => void,
  ) {
    const tag = endTag(nonce);
    this.tag = tag;
    // The first marker may be a job's `j`, which carries a directory path: a longer line.
    this.scanners = [new MarkerScanner(`${tag} `, 4096), new MarkerScanner(`${tag} `), new MarkerScanner(`${tag} `)];
  }

  /** Feeds bytes of the channel's stdout; returns live stdout (bytes before the frame), possibly empty. */
  feed(chunk: Buffer): Buffer {
    let live: Buffer = Buffer.alloc(0);
    while (this.phase < 3) {
      const sc = this.scanners[this.phase];
      const before = sc.feed(chunk);
      if (before.length) {
        if (this.phase === 0) live = live.length ? Buffer.concat([live, before]) : before;
        else this.chunks[this.phase === 1 ? 'stdout' : 'stderr'].push(Buffer.from(before));
      }
      if (!sc.done) break;
      if (this.phase === 0 && (sc.arg === 'r' || (sc.arg.startsWith('j ') && this.onJob))) {
        if (sc.arg === 'r') {
          // The host reads the streamed payload now; the frame itself follows.
          if (!this.onReady)
            throw new Error('broken frame from the remote shell: a payload request nobody sent a payload for');
          const ready = this.onReady;
          this.onReady = undefined;
          ready();
        } else this.onJob!(parseJobMarker(sc.arg));
        this.scanners[0] = new MarkerScanner(`${this.tag} `, 4096);
        chunk = sc.rest;
        if (!chunk.length) break;
        continue;
      }
      // Only the shell knows the tag: a marker out of order means a frame went wrong (say `cat` died), not output.
      this.take(this.phase, sc.arg);
      this.phase++;
      chunk = sc.rest;
      if (!chunk.length) break;
    }
    return live;
  }

  private take(phase: number, arg: string): void {
    const expected = ['s', 'o', 'e'][phase];
    if (phase === 0 && arg === 's') return;
    const m = /^([soe]) (\S+)$/.exec(arg);
    if (!m || m[1] !== expected)
      throw new Error(`broken frame from the remote shell: marker ${JSON.stringify(arg)} where "${expected}" was due`);
    if (phase === 1) {
      if (!/^\d{1,3}$/.test(m[2]))
        throw new Error(`malformed end marker from the remote shell: exit code ${JSON.stringify(m[2])}`);
      this.code = Number(m[2]);
    } else {
      if (!['ok', 'full', 'nofile', 'unreadable', ...JOB_STATES].includes(m[2]))
        throw new Error(`malformed end marker from the remote shell: state ${JSON.stringify(m[2])}`);
      this.state = m[2] as OutputState;
    }
  }

  get complete(): boolean {
    return this.phase === 3;
  }

  /** Bytes after the frame: nothing writes there but the shell, so normally none. */
  get rest(): Buffer {
    return this.scanners[2].rest;
  }

  result(): FrameResult {
    if (!this.complete) throw new Error('FrameReader.result() before the frame was complete');
    return {
      code: this.code,
      stdout: Buffer.concat(this.chunks.stdout),
      stderr: Buffer.concat(this.chunks.stderr),
      state: this.state,
    };
  }
}

/** The answer to initScript: `<tag> i <status> <dir>\n`. */
export function parseInit(line: string): { status: number; dir: string } {
  const m = /^(\d+) (.*)$/.exec(line);
  if (!m) throw new Error(`malformed start-up answer from the remote shell: ${JSON.stringify(line)}`);
  return { status: Number(m[1]), dir: m[2] };
}
