// Frames one command for a long-lived `sh`: the sh text that runs it and sends its exact stdout/stderr/exit code back (frame-reader.ts reads it).
import { randomBytes } from 'node:crypto';
import { quote } from '../sh.ts';
import { jobDone, jobPrepare, jobRun, type JobFrame } from './job-script.ts';

/**
 * Why this shape (docs/connections.md "Guarantees of the command channel"):
 *
 * 1. A command never writes to the channel. Its stdout and stderr are two fresh files in the session's
 *    private directory (`$drover_d/<seq>.o`, `.e`), its stdin is /dev/null or the payload. Once it exits, the
 *    shell itself copies them to the channel between markers. A background process the command left
 *    behind keeps its descriptors on *those* files: whatever it writes later is nobody's output, and it
 *    cannot reach a later command's files (fresh names and inodes).
 * 2. Only the session's shell writes to the channel, and it writes only frames:
 *      `<tag> s\n` <stdout> `<tag> o <exit code>\n` <stderr> `<tag> e <state>\n`
 *    `<tag>` carries a fresh 128-bit nonce per command, only in the text the shell reads (file names use a
 *    sequence number), so no output (fake markers, NUL bytes, a missing final newline) can end a frame
 *    early or late.
 * 3. **One write per frame.** A session with no tty has Nagle on at sshd: a frame leaving the host in several
 *    writes waits a round trip for an ACK before its last part. So the whole frame is one file, copied by
 *    one `cat` (one read, one write up to 128 KiB): the shell writes `<tag> s` into the stdout file before the
 *    command runs, the command appends to it (`>>`), and after it exits the shell appends `<tag> o`, the
 *    stderr (one more `cat`, only when there is any) and `<tag> e` (builtins, no process). A printing command
 *    costs what a silent one does: one `cat`, one write. The command could read the nonce from its own
 *    stdout file, but only on purpose (see docs: the channel guards against accidents, not attacks).
 *    Before the file is sent the shell checks with `read` that it still starts with `<tag> s`: a command that
 *    reopened /dev/stdout (`openssl -out /dev/stdout`, which truncates) or a full disk gets the old frame of
 *    several writes instead (printf, cat, printf, cat, printf), never a wrong one.
 *    A background process appends to that file (O_APPEND): what it writes before the markers is the
 *    command's output (it started it); what lands after them can reach the channel only right after the
 *    frame, before anything of the next command, and the reader drops bytes before a command's first
 *    marker (live output starts at `<tag> b`): it is nobody's output.
 * 4. `<state>` tells whether the output is whole: `ok`; `full` (the directory had no room after the command
 *    ran: a write may have failed, so its output cannot be trusted); `nofile` (the files could not be
 *    created: the command did not run); `unreadable` (copying a file failed). `<tag> x <code> <state>`
 *    ends a frame in any phase (the file could not be sent or completed).
 * 5. Live output (progress of long commands) is optional: `tail -f` copies the files to the channel while
 *    the command runs (stdout to its stdout after `<tag> b`, stderr to its stderr), and is killed and waited
 *    for before the frame starts. So live bytes are a prefix of the result, never a part of it that decides
 *    anything (the session hands out the rest from the result). On the channel's stderr the live copy sits
 *    between `<tag> b\n` and `<tag> l\n`, both printed by the shell (see LiveErrReader): what is outside
 *    them is the shell's own complaints, and the session takes the frame as complete only once `l` came too
 *    (the two streams arrive independently: over local pipes the frame may come first).
 *    Without GNU tail (`--pid`) there is no live copy: all of it comes with the result.
 *
 * The command text travels as one single-quoted word and runs in `( eval ... )`, a subshell: `cd`, variables,
 * traps, `exit`, `exec >&-` stay inside it. A small stdin payload is decoded from a base64 here-doc (delimited
 * by the nonce) and piped in: in a pipeline `$?` is the status of the last element, the command. A big one
 * is streamed raw after the command text (see `streamSize`): the shell announces `<tag> r` when it runs the
 * line, drover then writes exactly N bytes, and `head -c N` copies them off the shell's own stdin into the
 * command's; the frame follows as usual.
 * A job (job-script.ts) keeps its own files and the frame of several writes.
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
  // The stdout file opens with the start marker (not a job's: job-script.ts owns its files); the command appends.
  const head = `${tag} s\n`;
  const toOut = job ? `>${out}` : `>>${out}`;
  const parts: string[] = [];
  // Earlier commands' files: a background process may still write to them; unlinking them only frees the space.
  if (o.sweep) parts.push(`[ -z "$${DIR_VAR}" ] || rm -f -- "$${DIR_VAR}"/*`);
  if (!job) parts.push(`printf '%s s\\n' ${tag} >${out}`);
  // Definitions run in the session's shell (a brace group, no subshell); their complaints go to the command's stderr.
  if (o.definitions) parts.push(`{ ${o.definitions}\n} 2>${err}`);
  const errRedir = o.definitions ? `2>>${err}` : `2>${err}`;
  if (job) parts.push(jobPrepare(job));
  if (o.live) {
    parts.push(
      // A job's files are made (or kept, when re-attaching) by jobPrepare.
      ...(job ? [] : [`{ :; } >>${out} ${errRedir}`]),
      // Live stdout starts after `b` on stdout too: bytes before it are not this command's (see point 3).
      `printf '%s b\\n' ${tag}`,
      `printf '%s b\\n' ${tag} >&2`,
      `tail --pid=$$ -c +${job ? 1 : Buffer.byteLength(head) + 1} -f ${out} 2>/dev/null & drover_t1=$!`,
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
        `head -c ${o.streamSize} | { ${run} ${toOut} ${o.live ? `2>>${err}` : errRedir}; drover_s=$?; cat >/dev/null; exit $drover_s; }; drover_s=$?; ` +
        `else : ${toOut}; printf 'drover: no head -c on this host: cannot stream the input\\n' >>${err}; drover_s=127; fi`,
    );
  } else if (o.stdin === undefined) {
    parts.push(`${run} </dev/null ${toOut} ${o.live ? `2>>${err}` : errRedir}; drover_s=$?`);
  } else {
    parts.push(
      `base64 -d <<'DROVER_IN_${nonce}' 2>/dev/null | ${run} ${toOut} ${o.live ? `2>>${err}` : errRedir}; drover_s=$?`,
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
  // The marker goes to a file of its own first: writing it needs a new block, so when none is left a write
  // of the command may have failed too, and its output cannot be trusted.
  parts.push(
    `if ! [ -f ${out} ] || ! [ -f ${err} ]; then drover_k=${k('nofile')}; elif printf '%s o %s\\n' ${tag} "$drover_s" >${mid}; then drover_k=${k('ok')}; else drover_k=${k('full')}; fi`,
  );
  // The frame of several writes: a job's, or when the stdout file lost its start marker (see point 3).
  const several =
    `printf '%s s\\n' ${tag}; { ! [ -s ${out} ] || cat -- ${out} || drover_k=unreadable; }; printf '%s o %s\\n' ${tag} "$drover_s"; ` +
    `{ ! [ -s ${err} ] || cat -- ${err} || drover_k=unreadable; }; ${done}printf '%s e %s\\n' ${tag} "$drover_k"`;
  if (job) {
    // No output (most commands): the whole frame in one write.
    parts.push(
      `if ! [ -s ${out} ] && ! [ -s ${err} ]; then ${done}printf '%s s\\n%s o %s\\n%s e %s\\n' ${tag} ${tag} "$drover_s" ${tag} "$drover_k"; else ${several}; fi`,
    );
  } else {
    // One file, one `cat`: the start marker still heads the stdout file, the rest is appended by builtins
    // (and the stderr by a `cat`, only when there is any). An append that fails (no room) ends the frame with
    // `x`: nothing of that file is sent. `read` is a builtin: no process.
    parts.push(
      `if [ $drover_k = nofile ]; then printf '%s s\\n%s o %s\\n%s e nofile\\n' ${tag} ${tag} "$drover_s" ${tag}; ` +
        `elif { IFS= read -r drover_l <${out}; } 2>/dev/null && [ "$drover_l" = '${tag} s' ]; then ` +
        `if printf '%s o %s\\n' ${tag} "$drover_s" >>${out} && { ! [ -s ${err} ] || cat -- ${err} >>${out}; } && printf '%s e %s\\n' ${tag} "$drover_k" >>${out}; ` +
        `then cat -- ${out} || printf '%s x %s unreadable\\n' ${tag} "$drover_s"; else printf '%s x %s full\\n' ${tag} "$drover_s"; fi; ` +
        `else ${several}; fi`,
    );
  }
  let text = parts.join('; ') + '\n';
  if (o.stdin !== undefined) {
    // base64 never contains '_', so no payload line can equal the delimiter.
    const b64 = o.stdin.toString('base64').replace(/.{1,76}/g, '$&\n');
    text += `${b64}DROVER_IN_${nonce}\n`;
  }
  return text;
}
