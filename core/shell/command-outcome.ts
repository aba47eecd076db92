// A command in flight on a shell session: its live output handed out once, and why its frame is no result when its output did not come back whole.
import { tail } from '../errors.ts';
import type { CommandOptions, RawResult } from '../transport/transport.ts';
import type { FrameReader, FrameResult, LiveErrReader } from './frame-reader.ts';
import { jobFailure, type JobInfo } from './job-script.ts';

export type StreamName = 'stdout' | 'stderr';

/** One command written to the shell, until its frame is read. */
export interface Running {
  reader: FrameReader;
  onOutput?: CommandOptions['onOutput'];
  /** With onOutput: the live stderr on the channel's stderr; the command is done once this is done too. */
  errReader?: LiveErrReader;
  /** Functions first defined by this command: forgotten again when its output state is not ok. */
  defines: string[];
  /** Bytes handed to onOutput so far, per stream: the rest of the result follows when the frame is read. */
  streamed: Record<StreamName, number>;
  /** A streamed payload is due, and whether the host asked for it (`<tag> r`). */
  expectsReady?: boolean;
  readyCame?: boolean;
  /** Why the streamed payload was not sent as given (its source failed or had the wrong size): the run rejects. */
  inputError?: string;
  /** A job: its key, and its pid and directory once the host said them. */
  jobKey?: string;
  jobInfo?: JobInfo;
  onJob?: CommandOptions['onJob'];
  resolve(r: RawResult): void;
  reject(e: unknown): void;
}

/**
 * Why a frame whose state is not `ok` is no result (the host's words: the output directory, the exit code,
 * the last lines of stderr or of the shell's own complaints).
 * @param dir the session's output directory, if known
 * @param diag what the shell itself wrote to its stderr meanwhile
 */
export function failureReason(r: Running, f: FrameResult, dir: string | undefined, diag: string): string {
  const errTail = tail(f.stderr.toString('utf8'), 3);
  if (r.jobKey) {
    const why = jobFailure(f.state, f.code, r.jobInfo?.dir ?? `~/.drover/jobs/${r.jobKey}`);
    if (why) return `${why}${errTail ? `\n${errTail}` : ''}`;
  }
  const where = dir ?? 'its output directory';
  const shell = diag ? `\n${tail(diag, 3)}` : '';
  if (f.state === 'nofile')
    return `no space for command output in ${where}: its output files could not be created, the command did not run${shell}`;
  if (f.state === 'full')
    return `no space for command output in ${where}: the command ran (exit code ${f.code}) but its output may be incomplete${errTail ? `\n${errTail}` : ''}`;
  return `cannot read the command's output back from ${where} (exit code ${f.code})${shell}`;
}

/** Hands live output to the command's progress callback, counting it (the frame's rest follows in handOutRest). */
export function handOut(r: Running, chunk: Buffer, stream: StreamName): void {
  r.streamed[stream] += chunk.length;
  try {
    r.onOutput!(chunk, stream);
  } catch {
    // a progress callback must not break the framing
  }
}

/**
 * Live output is a prefix of the result (tail was stopped before the frame): hands out what it missed,
 * so a progress view sees every byte exactly once.
 */
export function handOutRest(r: Running, f: FrameResult): void {
  if (!r.onOutput) return;
  for (const [stream, bytes] of [
    ['stdout', f.stdout],
    ['stderr', f.stderr],
  ] as const) {
    if (bytes.length > r.streamed[stream]) handOut(r, bytes.subarray(r.streamed[stream]), stream);
  }
}
