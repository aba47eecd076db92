// Drives one long-lived `sh` over any stdin/stdout/stderr triple: start-up handshake, a command queue that pipelines plain commands, framing.
import type { Readable, Writable } from 'node:stream';
import { tail, UnreachableError } from '../errors.ts';
import { redact } from '../secret.ts';
import {
  CutOffError,
  isStreamedStdin,
  type RawResult,
  type CommandOptions,
  type StreamedStdin,
} from '../transport/transport.ts';
import { quote } from '../sh.ts';
import { bufferSource, pumpStdin, STREAM_MIN_BYTES } from './stdin-stream.ts';
import { endTag, frameCommand, initScript, newNonce } from './framing.ts';
import { sudoStep, type ReadyOptions } from './ready.ts';
import { failureReason, handOut, handOutRest, type Running, type StreamName } from './command-outcome.ts';
import { FrameReader, LiveErrReader, MarkerScanner, parseInit, type FrameResult } from './frame-reader.ts';

/** Earlier commands' output files are removed together (one `rm`) once this many commands or bytes piled up. */
const SWEEP_COMMANDS = 32;
const SWEEP_BYTES = 1 << 20;

export interface ShellStreams {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
}

/**
 * One shell; it runs commands strictly one at a time, in order. Plain commands (no live output, no
 * streamed input, not a job, no new definitions) are pipelined: written back to back without waiting for
 * the frames before them, which the shell then answers in order (N probes cost about one round trip). Any
 * other command waits until everything written before it is answered, and holds back the ones after it
 * until it is. Whatever the streams do (end, error, a dropped connection reported through `fail`), the
 * commands in flight, the queued and all later runs reject with an UnreachableError.
 */
export class ShellSession {
  /** Written, frames not read yet, in order: the first one is reading the channel. */
  private inflight: Running[] = [];
  /** Settles when the last command written is answered (so are all before it: frames come in order). */
  private lastDone: Promise<unknown> = Promise.resolve();
  /** What the next command waits for before it is written. */
  private queue: Promise<unknown> = Promise.resolve();
  private dead?: UnreachableError;
  private closing = false;
  /** Bytes after the ready token on one stream while the other's is still awaited: replayed once both came. */
  private carry: Record<StreamName, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  private starting?: {
    opts: ReadyOptions;
    out: Buffer;
    err: Buffer;
    seenOut: boolean;
    seenErr: boolean;
    prompts: number;
    resolve(): void;
    reject(e: unknown): void;
  };
  /** Stderr seen before the shell was ready: the reason when sudo or the login shell fails. */
  private startErr = '';
  /** Shell functions defined in this shell so far: name -> definition. */
  private readonly defined = new Map<string, string>();
  /** Output that arrived before start() was called: replayed into it. */
  private early: [StreamName, Buffer][] | undefined = [];
  /** Waiting for the answer to initScript (after the ready token, before start() resolves). */
  private initializing?: MarkerScanner;
  /** The output directory could not be made: fails the start once the shell's reason (stderr) is in. */
  private initFailed?: () => void;
  /** The shell's private directory for command output (see framing.ts). */
  outputDir?: string;
  /** Names the next command's output files. */
  private seq = 0;
  /** Output files of finished commands not removed yet. */
  private unswept = { commands: 0, bytes: 0, now: false };
  /** Tail of what the shell itself wrote to its stderr (e.g. a file it could not create): for error messages. */
  private diag = '';

  /**
   * @param host inventory name, for errors
   * @param where `user@address:port` (or `local`), for errors
   * @param teardown closes the underlying channel/process after a failure
   */
  constructor(
    private readonly host: string,
    private readonly where: string,
    private readonly streams: ShellStreams,
    private readonly teardown: () => void,
  ) {
    streams.stdout.on('data', (c: Buffer) => this.onData('stdout', c));
    streams.stderr.on('data', (c: Buffer) => this.onData('stderr', c));
    // Both streams must end before the shell counts as gone: stderr may still hold its last words (sudo's reason).
    const ended = new Set<StreamName>();
    for (const name of ['stdout', 'stderr'] as const) {
      const onEnd = () => {
        ended.add(name);
        if (ended.size === 2) this.fail(this.lostError('the shell exited'));
      };
      streams[name].on('end', onEnd);
      streams[name].on('close', onEnd);
    }
    streams.stdout.on('error', (e: Error) => this.fail(this.lostError(`reading its output failed: ${e.message}`)));
    streams.stderr.on('error', (e: Error) => this.fail(this.lostError(`reading its errors failed: ${e.message}`)));
    streams.stdin.on('error', (e: Error) => this.fail(this.lostError(`writing to the shell failed: ${e.message}`)));
  }

  /** Waits for the launcher's ready token, answering sudo's password prompt if there is one. */
  start(opts: ReadyOptions): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.dead) return reject(this.dead);
      const timer = setTimeout(
        () =>
          this.fail(this.lostError(`the shell did not start within ${Number((opts.timeoutMs / 1000).toFixed(1))} s`)),
        opts.timeoutMs,
      );
      const done = (e?: unknown) => {
        clearTimeout(timer);
        this.starting = undefined;
        if (e) reject(e);
        else resolve();
      };
      this.starting = {
        opts,
        out: Buffer.alloc(0),
        err: Buffer.alloc(0),
        seenOut: false,
        seenErr: false,
        prompts: 0,
        resolve: () => done(),
        reject: (e) => done(e),
      };
      const early = this.early ?? [];
      this.early = undefined;
      for (const [name, chunk] of early) if (this.starting) this.onData(name, chunk);
    });
  }

  /** Runs one command after the ones queued before it (pipelined behind them when it is plain). */
  run(script: string, options: CommandOptions = {}): Promise<RawResult> {
    if (this.closing) return Promise.reject(new UnreachableError(this.host, `${this.where}: the connection is closed`));
    const input = options.stdin;
    // Live output reads the channel's stderr, streamed input its stdin, a job re-attaches: one at a time.
    const alone =
      Boolean(options.onOutput || options.job) ||
      isStreamedStdin(input) ||
      (input !== undefined && input.length > STREAM_MIN_BYTES);
    const sent = this.queue.then(async () => {
      if (alone) await this.lastDone;
      return this.runNow(script, options);
    });
    // A command that defines functions is answered before the next is written: if its output was not
    // whole, the definitions may not have been made, and the next command must carry them again.
    this.queue = sent.then(
      (s) => (alone || s.defines ? s.done.catch(() => undefined) : undefined),
      () => undefined,
    );
    return sent.then((s) => s.done);
  }

  /** Marks the shell lost: rejects the commands in flight, the queued and later ones with `error`. */
  fail(error: UnreachableError): void {
    if (this.dead) return;
    this.dead = error;
    const sent = this.inflight;
    this.inflight = [];
    // The commands in flight were sent: the host may still be running one (a job can be re-attached).
    for (const r of sent) r.reject(new CutOffError(error));
    this.starting?.reject(error);
    try {
      this.teardown();
    } catch {
      // already gone
    }
  }

  get failed(): UnreachableError | undefined {
    return this.dead;
  }

  /** Lets queued commands finish, then ends the shell's stdin (the shell exits). */
  async close(): Promise<void> {
    this.closing = true;
    await this.queue;
    await this.lastDone;
    if (!this.dead) this.streams.stdin.end();
  }

  /** Writes one command now; `done` settles with its frame, `defines` says it defines functions. */
  private runNow(script: string, options: CommandOptions): { done: Promise<RawResult>; defines: boolean } {
    if (this.dead) return { done: Promise.reject(this.dead), defines: false };
    const nonce = newNonce();
    const input = options.stdin;
    const stream: StreamedStdin | undefined = isStreamedStdin(input)
      ? input
      : input && input.length > STREAM_MIN_BYTES
        ? bufferSource(input)
        : undefined;
    // Streamed input comes off this channel while the command reads it: such a command cannot outlive it.
    const job = stream ? undefined : options.job;
    // Functions not yet defined in this shell (or defined differently) are defined now, in front of the command.
    // A job runs in a shell of its own: it gets every definition it calls, the session's shell none.
    const missing = job ? [] : (options.functions ?? []).filter((f) => this.defined.get(f.name) !== f.definition);
    for (const f of missing) this.defined.set(f.name, f.definition);
    // Each definition is tried in a subshell first: a syntax error there would otherwise end this shell
    // (and the connection); this way it only fails the command that needed it, with sh's message.
    const defs = missing.map((f) => `( eval ${quote(f.definition)} ) && eval ${quote(f.definition)}`).join('\n');
    const u = this.unswept;
    const sweep = u.now || u.commands >= SWEEP_COMMANDS || u.bytes >= SWEEP_BYTES;
    if (sweep) this.unswept = { commands: 0, bytes: 0, now: false };
    const inline = stream ? undefined : (input as Buffer | undefined);
    const text = frameCommand(script, nonce, {
      seq: ++this.seq,
      stdin: inline,
      streamSize: stream?.size,
      definitions: defs,
      live: Boolean(options.onOutput),
      sweep,
      job: job && {
        ...job,
        definitions: (options.functions ?? []).map((f) => f.definition).join('\n') || undefined,
      },
    });
    if (!this.inflight.length) this.diag = '';
    const done = new Promise<RawResult>((resolve, reject) => {
      const running: Running = {
        reader: new FrameReader(
          nonce,
          stream ? () => ((running.readyCame = true), void this.pump(running, stream)) : undefined,
          job ? (info) => ((running.jobInfo = info), options.onJob?.(info)) : undefined,
          Boolean(options.onOutput),
        ),
        expectsReady: Boolean(stream),
        onOutput: options.onOutput,
        errReader: options.onOutput ? new LiveErrReader(nonce) : undefined,
        defines: missing.map((f) => f.name),
        jobKey: job?.key,
        onJob: options.onJob,
        streamed: { stdout: 0, stderr: 0 },
        resolve,
        reject,
      };
      this.inflight.push(running);
      this.streams.stdin.write(text);
    });
    this.lastDone = done.catch(() => undefined);
    return { done, defines: missing.length > 0 };
  }

  /** Streams the command's input once the host is ready for it; a short or failed source fails the run. */
  private async pump(r: Running, input: StreamedStdin): Promise<void> {
    const problem = await pumpStdin(this.streams.stdin, input, () => Boolean(this.dead));
    if (problem) r.inputError ??= problem;
  }

  private onData(stream: StreamName, chunk: Buffer): void {
    if (this.dead) return;
    if (this.early) return void this.early.push([stream, chunk]);
    if (this.initFailed) {
      if (stream === 'stderr') this.diag = (this.diag + chunk.toString('utf8')).slice(-2000);
      return this.failInit();
    }
    if (this.starting && !this.initializing) return this.onStartData(stream, chunk);
    const r = this.inflight[0];
    if (stream === 'stderr') {
      // Live stderr (tail -f of the command's file, between its markers) while a command with onOutput runs;
      // else the shell's own words.
      if (r?.errReader && !r.errReader.done) {
        let parts: { live: Buffer; other: Buffer };
        try {
          parts = r.errReader.feed(chunk);
        } catch (e) {
          return this.fail(this.lostError((e as Error).message));
        }
        if (parts.live.length) handOut(r, parts.live, 'stderr');
        if (parts.other.length) this.diag = (this.diag + parts.other.toString('utf8')).slice(-2000);
        return this.finishIfDone(r);
      }
      this.diag = (this.diag + chunk.toString('utf8')).slice(-2000);
      if (this.starting) this.startErr = (this.startErr + chunk.toString('utf8')).slice(-8000);
      return;
    }
    if (this.initializing) return this.onInitData(chunk);
    // Between commands nothing writes to the channel's stdout (only the shell does, and only frames).
    if (!r) return;
    let live: Buffer;
    try {
      live = r.reader.feed(chunk);
    } catch (e) {
      return this.fail(this.lostError((e as Error).message));
    }
    if (live.length && r.onOutput) handOut(r, live, 'stdout');
    this.finishIfDone(r);
  }

  /**
   * A command is done when its frame is read and, with live output, its live stderr has ended too. What
   * came after its frame belongs to the next command in flight (pipelined), if any.
   */
  private finishIfDone(r: Running): void {
    if (this.inflight[0] !== r || !r.reader.complete || (r.errReader && !r.errReader.done)) return;
    this.inflight.shift();
    this.finish(r, r.reader.result());
    this.diag = '';
    const rest = r.reader.rest;
    if (rest.length && this.inflight.length) this.onData('stdout', rest);
  }

  private finish(r: Running, f: FrameResult): void {
    const u = this.unswept;
    u.commands++;
    u.bytes += f.stdout.length + f.stderr.length;
    if (r.expectsReady && !r.readyCame) r.inputError ??= 'the host did not ask for it: no `head -c` there?';
    if (r.inputError) {
      const ran =
        r.expectsReady && !r.readyCame ? 'the command did not run' : `the command ran with exit code ${f.code}`;
      return r.reject(new Error(`${this.where}: the command's input was not sent whole (${r.inputError}); ${ran}`));
    }
    if (f.state === 'ok') {
      handOutRest(r, f);
      return r.resolve({ code: f.code, stdout: f.stdout, stderr: f.stderr });
    }
    // Free the space at the next command, and send the definitions again (they may not have been made).
    u.now = true;
    for (const name of r.defines) this.defined.delete(name);
    r.reject(new Error(`${this.where}: ${failureReason(r, f, this.outputDir, this.diag)}`));
  }

  /** The answer to initScript: the output directory exists, or the host cannot be used. */
  private onInitData(chunk: Buffer): void {
    const scanner = this.initializing!;
    try {
      scanner.feed(chunk);
    } catch (e) {
      return this.fail(this.lostError((e as Error).message));
    }
    if (!scanner.done) return;
    this.initializing = undefined;
    const s = this.starting!;
    let answer: { status: number; dir: string };
    try {
      answer = parseInit(scanner.arg);
    } catch (e) {
      return this.fail(this.lostError((e as Error).message));
    }
    if (answer.status !== 0 || !answer.dir.startsWith('/')) {
      const failNow = () => {
        this.startErr = this.diag;
        this.fail(
          this.lostError('cannot create a private directory for command output (tried /dev/shm, $TMPDIR, /tmp)'),
        );
      };
      if (this.diag.trim()) return failNow();
      // mktemp says why on stderr, a stream of its own: its words may come just after this answer on stdout.
      this.initFailed = failNow;
      setTimeout(() => this.initFailed === failNow && this.failInit(), 500).unref();
      return;
    }
    this.outputDir = answer.dir;
    this.diag = '';
    s.resolve();
  }

  private onStartData(stream: StreamName, chunk: Buffer): void {
    const s = this.starting!;
    const seen = stream === 'stdout' ? s.seenOut : s.seenErr;
    if (seen) {
      this.carry[stream] = Buffer.concat([this.carry[stream], chunk]);
      return;
    }
    const buf = stream === 'stdout' ? (s.out = Buffer.concat([s.out, chunk])) : (s.err = Buffer.concat([s.err, chunk]));
    if (stream === 'stderr') {
      this.startErr = buf.toString('utf8');
      if (s.opts.sudoPrompt) this.answerSudo(s);
      if (this.dead) return;
    }
    const token = Buffer.from(s.opts.token + '\n');
    const at = buf.indexOf(token);
    if (at < 0) return;
    // Anything before the token (login shell noise, sudo's lecture) is not a command's output.
    this.carry[stream] = Buffer.from(buf.subarray(at + token.length));
    if (stream === 'stdout') s.seenOut = true;
    else {
      s.seenErr = true;
      // The token is drover's, not the host's words: an error message quoting stderr must not show it.
      this.startErr = buf.subarray(0, at).toString('utf8');
    }
    if (s.seenOut && s.seenErr) {
      // Ready: make the output directory before the first command (its answer resolves start()).
      const nonce = newNonce();
      this.initializing = new MarkerScanner(`${endTag(nonce)} i `, 4096);
      this.streams.stdin.write(initScript(nonce));
      const carried = this.carry;
      this.carry = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
      if (carried.stderr.length) this.onData('stderr', carried.stderr);
      if (carried.stdout.length) this.onData('stdout', carried.stdout);
    }
  }

  private failInit(): void {
    const f = this.initFailed;
    this.initFailed = undefined;
    f?.();
  }

  private answerSudo(s: NonNullable<ShellSession['starting']>): void {
    const step = sudoStep(this.startErr, s.opts, s.prompts);
    s.prompts = step.prompts;
    if (step.fail) return this.fail(new UnreachableError(this.host, `${this.where}: ${step.fail}`));
    if (step.write) this.streams.stdin.write(step.write);
  }

  private lostError(what: string): UnreachableError {
    const secrets = this.starting?.opts.password ? [this.starting.opts.password] : [];
    const before = this.starting ? tail(redact(this.startErr, secrets), 5) : '';
    const phase = this.starting ? ' before it was ready' : this.inflight.length ? ' while a command was running' : '';
    return new UnreachableError(this.host, `${this.where}: ${what}${phase}${before ? `\n${before}` : ''}`);
  }
}
