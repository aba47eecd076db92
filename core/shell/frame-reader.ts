// Reads frames back off the channel: finds nonce markers in arbitrary chunks, cuts out a command's exact stdout/stderr/exit code.
import { endTag } from './framing.ts';
import { JOB_STATES, parseJobMarker, type JobInfo, type JobState } from './job-script.ts';

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
  /** A live command's `<tag> b` came: bytes from here to `<tag> s` are its live stdout. */
  private liveOn = false;
  private after: Buffer = Buffer.alloc(0);

  /**
   * @param onReady with a streamed payload: called at the `<tag> r` marker (once), when the host reads it
   * @param onJob with a job: called at its `<tag> j` marker (pid and directory)
   * @param live the command copies its output live: after `<tag> b`, bytes before the frame are live stdout.
   *   Bytes before a command's first marker are never its own (an earlier command's background process
   *   appending to its file as it was sent, see framing.ts point 3): they are dropped.
   */
  constructor(
    nonce: string,
    private onReady?: () => void,
    private readonly onJob?: (job: JobInfo) => void,
    private readonly live = false,
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
        if (this.phase === 0) {
          if (this.liveOn) live = live.length ? Buffer.concat([live, before]) : before;
        } else this.chunks[this.phase === 1 ? 'stdout' : 'stderr'].push(Buffer.from(before));
      }
      if (!sc.done) break;
      if (sc.arg.startsWith('x ')) {
        // The shell could not send or complete the frame's file: the frame ends here, in whatever phase.
        this.abort(sc.arg);
        break;
      }
      if (this.phase === 0 && sc.arg === 'b' && this.live && !this.liveOn) {
        this.liveOn = true;
        this.scanners[0] = new MarkerScanner(`${this.tag} `, 4096);
        chunk = sc.rest;
        if (!chunk.length) break;
        continue;
      }
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
      if (this.phase === 3) this.after = sc.rest;
      chunk = sc.rest;
      if (!chunk.length) break;
    }
    return live;
  }

  /** `<tag> x <code> <state>`: the frame ends early with that state (never ok). */
  private abort(arg: string): void {
    const m = /^x (\d{1,3}) (full|unreadable)$/.exec(arg);
    if (!m) throw new Error(`malformed end marker from the remote shell: ${JSON.stringify(arg)}`);
    this.code = Number(m[1]);
    this.state = m[2] as OutputState;
    this.after = this.scanners[this.phase].rest;
    this.phase = 3;
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
    return this.after;
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
