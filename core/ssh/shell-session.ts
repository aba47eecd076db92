// Drives one long-lived `sh` over any stdin/stdout/stderr triple: start-up handshake, a command queue, framing.
import type { Readable, Writable } from 'node:stream';
import { tail, UnreachableError } from '../errors.ts';
import { redact, type Secret } from '../secret.ts';
import type { RawResult, RunOptions } from '../transport.ts';
import { quote } from '../sh.ts';
import { FrameReader, frameCommand, newNonce, type StreamName } from './framing.ts';

export interface ShellStreams {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
}

/** How the shell announces it is ready (see become.ts: the launcher prints `token` on stdout and stderr). */
export interface ReadyOptions {
  token: string;
  /** sudo's prompt (`sudo -S -p <prompt>`): seen on stderr means sudo wants the password. */
  sudoPrompt?: string;
  password?: Secret;
  /** Give up when the shell is not ready within this time. */
  timeoutMs: number;
}

interface Running {
  reader: FrameReader;
  onOutput?: RunOptions['onOutput'];
  resolve(r: RawResult): void;
  reject(e: unknown): void;
}

/**
 * One shell, commands strictly one at a time. Whatever the streams do (end, error, a dropped connection
 * reported through `fail`), the pending and all later runs reject with an UnreachableError.
 */
export class ShellSession {
  private running?: Running;
  private queue: Promise<unknown> = Promise.resolve();
  private dead?: UnreachableError;
  private closing = false;
  /** Bytes after the ready token, before the first command was written (normally none). */
  private carry: Record<StreamName, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  private starting?: { opts: ReadyOptions; out: Buffer; err: Buffer; seenOut: boolean; seenErr: boolean; prompts: number; resolve(): void; reject(e: unknown): void };
  /** Stderr seen before the shell was ready: the reason when sudo or the login shell fails. */
  private startErr = '';
  /** Shell functions defined in this shell so far: name -> definition. */
  private readonly defined = new Map<string, string>();
  /** Output that arrived before start() was called: replayed into it. */
  private early: [StreamName, Buffer][] | undefined = [];

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
        () => this.fail(this.lostError(`the shell did not start within ${Math.round(opts.timeoutMs / 1000)} s`)),
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

  /** Runs one command after the ones queued before it. */
  run(script: string, options: RunOptions = {}): Promise<RawResult> {
    if (this.closing) return Promise.reject(new UnreachableError(this.host, `${this.where}: the connection is closed`));
    const p = this.queue.then(() => this.runNow(script, options));
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Marks the shell lost: rejects the running, queued and later commands with `error`. */
  fail(error: UnreachableError): void {
    if (this.dead) return;
    this.dead = error;
    const r = this.running;
    this.running = undefined;
    r?.reject(error);
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
    if (!this.dead) this.streams.stdin.end();
  }

  private runNow(script: string, options: RunOptions): Promise<RawResult> {
    if (this.dead) return Promise.reject(this.dead);
    const nonce = newNonce();
    // Functions not yet defined in this shell (or defined differently) are defined now, in front of the command.
    const missing = (options.functions ?? []).filter((f) => this.defined.get(f.name) !== f.definition);
    for (const f of missing) this.defined.set(f.name, f.definition);
    // Each definition is tried in a subshell first: a syntax error there would otherwise end this shell
    // (and the connection); this way it only fails the command that needed it, with sh's message.
    const defs = missing.map((f) => `( eval ${quote(f.definition)} ) && eval ${quote(f.definition)}`).join('\n');
    const text = frameCommand(script, nonce, options.stdin, defs);
    return new Promise<RawResult>((resolve, reject) => {
      this.running = { reader: new FrameReader(nonce), onOutput: options.onOutput, resolve, reject };
      const carried = this.carry;
      this.carry = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
      this.streams.stdin.write(text);
      if (carried.stdout.length) this.onData('stdout', carried.stdout);
      if (carried.stderr.length) this.onData('stderr', carried.stderr);
    });
  }

  private onData(stream: StreamName, chunk: Buffer): void {
    if (this.dead) return;
    if (this.early) return void this.early.push([stream, chunk]);
    if (this.starting) return this.onStartData(stream, chunk);
    const r = this.running;
    // Between commands only a background process can write: its bytes are nobody's output, drop them.
    if (!r) return;
    let out: Buffer;
    try {
      out = r.reader.feed(stream, chunk);
    } catch (e) {
      return this.fail(this.lostError((e as Error).message));
    }
    if (out.length && r.onOutput) {
      try {
        r.onOutput(out, stream);
      } catch {
        // a progress callback must not break the framing
      }
    }
    if (r.reader.complete) {
      this.running = undefined;
      r.resolve(r.reader.result());
    }
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
    else s.seenErr = true;
    if (s.seenOut && s.seenErr) s.resolve();
  }

  private answerSudo(s: NonNullable<ShellSession['starting']>): void {
    const prompts = this.startErr.split(s.opts.sudoPrompt!).length - 1;
    if (prompts === s.prompts) return;
    s.prompts = prompts;
    if (!s.opts.password) {
      return this.fail(new UnreachableError(this.host, `${this.where}: sudo asks for a password but no become password was given`));
    }
    if (prompts > 1) {
      return this.fail(new UnreachableError(this.host, `${this.where}: sudo rejected the become password`));
    }
    this.streams.stdin.write(s.opts.password.reveal() + '\n');
  }

  private lostError(what: string): UnreachableError {
    const secrets = this.starting?.opts.password ? [this.starting.opts.password] : [];
    const before = this.starting ? tail(redact(this.startErr, secrets), 5) : '';
    const phase = this.starting ? ' before it was ready' : this.running ? ' while a command was running' : '';
    return new UnreachableError(this.host, `${this.where}: ${what}${phase}${before ? `\n${before}` : ''}`);
  }
}
