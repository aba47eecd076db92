// Frames one command for a long-lived `sh` and cuts its exact stdout/stderr/exit code back out of the streams.
import { randomBytes } from 'node:crypto';
import type { RawResult } from '../transport.ts';
import { quote } from '../sh.ts';

/**
 * Why this shape: every command gets a fresh random nonce, and the only framing bytes the shell prints are
 * the end markers that carry that nonce. A command cannot print a marker it has never seen, so no output
 * (fake markers, NUL bytes, a missing final newline, binary noise) can end a frame early or late.
 * The command text travels as one single-quoted word (byte-exact in POSIX sh, no process needed) and runs
 * in `( eval ... )`, a subshell: `cd`, variables, traps, `exit`, `exec >&-` stay inside it.
 * Its stdin is /dev/null, or the payload decoded from a base64 here-doc (delimited by the nonce) and piped
 * in: in a pipeline `$?` is the status of the last element, the command, not of base64.
 */

/** 16 random bytes as hex: unguessable for a command running before its own frame is written. */
export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/** The stdout end marker is `<tag> <exit code>\n`, the stderr one `<tag>\n`. */
export function endTag(nonce: string): string {
  return `:drover-end:${nonce}`;
}

/**
 * The sh text that runs `command` with `stdin` (or /dev/null) and then prints both end markers.
 * `definitions` (function definitions only, see shellFunction) run first in the session's own shell,
 * so they stay defined for later commands; defining a function runs none of its body.
 */
export function frameCommand(command: string, nonce: string, stdin?: Buffer, definitions = ''): string {
  if (command.includes('\0') || definitions.includes('\0')) throw new Error('a shell command cannot contain a NUL byte');
  const tag = endTag(nonce);
  const prelude = definitions ? `${definitions}\n` : '';
  const run = `( eval ${quote(command)} )`;
  const end = `; printf '%s %s\\n' ${tag} "$?"; printf '%s\\n' ${tag} >&2\n`;
  if (stdin === undefined) return `${prelude}${run} </dev/null${end}`;
  const delim = `DROVER_IN_${nonce}`;
  // base64 never contains '_', so no payload line can equal the delimiter.
  const b64 = stdin.toString('base64').replace(/.{1,76}/g, '$&\n');
  return `${prelude}base64 -d <<'${delim}' 2>/dev/null | ${run}${end}${b64}${delim}\n`;
}

/**
 * Finds the end marker in one output stream fed in arbitrary chunks. Everything before the marker is the
 * command's output; it is handed out as soon as it cannot be the start of the marker.
 */
export class MarkerScanner {
  private readonly tag: Buffer;
  private held: Buffer = Buffer.alloc(0);
  /** Set once the whole marker line has been seen. */
  done = false;
  /** The exit code carried by a stdout marker. */
  code: number | undefined;
  /** Bytes that arrived after the marker (a background process writing late): not this command's. */
  rest: Buffer = Buffer.alloc(0);

  constructor(nonce: string, private readonly withCode: boolean) {
    this.tag = Buffer.from(endTag(nonce) + (withCode ? ' ' : '\n'));
  }

  /** Feeds a chunk; returns the bytes that are certainly command output. */
  feed(chunk: Buffer): Buffer {
    if (this.done) {
      this.rest = Buffer.concat([this.rest, chunk]);
      return Buffer.alloc(0);
    }
    const buf = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    const at = buf.indexOf(this.tag);
    if (at < 0) {
      const keep = this.partialTagAtEnd(buf);
      this.held = Buffer.from(buf.subarray(buf.length - keep));
      return buf.subarray(0, buf.length - keep);
    }
    if (!this.withCode) {
      this.finish(buf.subarray(at + this.tag.length));
      return buf.subarray(0, at);
    }
    const nl = buf.indexOf(0x0a, at + this.tag.length);
    if (nl < 0) {
      // The marker has started but its exit code line is incomplete: keep it until the newline arrives.
      this.held = Buffer.from(buf.subarray(at));
      return buf.subarray(0, at);
    }
    const codeText = buf.subarray(at + this.tag.length, nl).toString('latin1');
    if (!/^\d{1,3}$/.test(codeText)) throw new Error(`malformed end marker from the remote shell: exit code ${JSON.stringify(codeText)}`);
    this.code = Number(codeText);
    this.finish(buf.subarray(nl + 1));
    return buf.subarray(0, at);
  }

  private finish(rest: Buffer): void {
    this.done = true;
    this.held = Buffer.alloc(0);
    this.rest = Buffer.from(rest);
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

export type StreamName = 'stdout' | 'stderr';

/** Reads one command's frame from both streams: output chunks as they come, then the exact result. */
export class FrameReader {
  private readonly scanners: Record<StreamName, MarkerScanner>;
  private readonly chunks: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };

  constructor(nonce: string) {
    this.scanners = { stdout: new MarkerScanner(nonce, true), stderr: new MarkerScanner(nonce, false) };
  }

  /** Feeds bytes from one stream; returns the part that is command output (possibly empty). */
  feed(stream: StreamName, chunk: Buffer): Buffer {
    const out = this.scanners[stream].feed(chunk);
    if (out.length) this.chunks[stream].push(Buffer.from(out));
    return out;
  }

  get complete(): boolean {
    return this.scanners.stdout.done && this.scanners.stderr.done;
  }

  /** Bytes seen after a stream's marker; they belong to whatever runs next. */
  rest(stream: StreamName): Buffer {
    return this.scanners[stream].rest;
  }

  result(): RawResult {
    if (!this.complete) throw new Error('FrameReader.result() before both end markers arrived');
    return {
      code: this.scanners.stdout.code as number,
      stdout: Buffer.concat(this.chunks.stdout),
      stderr: Buffer.concat(this.chunks.stderr),
    };
  }
}
