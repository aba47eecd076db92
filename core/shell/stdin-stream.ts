// Streams a command's stdin raw onto the shell's channel with backpressure: exactly the size announced.
import type { Writable } from 'node:stream';
import type { StreamedStdin } from '../transport/transport.ts';

/**
 * A Buffer stdin up to this size travels in the command text as base64 (one write, no wait); a bigger one
 * is streamed raw once the host asks for it (one more round trip, but no base64 inflation, no parsing of
 * a here-doc by the shell, no whole copy in the command text). Measured by bench/bigfile.ts.
 */
export const STREAM_MIN_BYTES = 64 * 1024;
/** Size of the pieces a Buffer is cut into for streaming (and of zero padding). */
const STREAM_CHUNK = 256 * 1024;

/** A Buffer as a streamed input: pieces of it, no copies. */
export function bufferSource(b: Buffer): StreamedStdin {
  return {
    size: b.length,
    async *read() {
      for (let at = 0; at < b.length; at += STREAM_CHUNK) yield b.subarray(at, at + STREAM_CHUNK);
    },
  };
}

/**
 * Sends exactly `input.size` bytes to `stdin` (the host's `head -c` reads that many), with backpressure:
 * only a channel window's worth is in flight, the rest stays with the source. A source that fails or ends
 * early is padded with zeros, so the shell stays in step; the returned reason then says what went wrong
 * (the run rejects, and a file write's own size and sha256 checks refuse the bytes on the host).
 * `gone()` says the shell is lost: sending stops.
 */
export async function pumpStdin(
  stdin: Writable,
  input: StreamedStdin,
  gone: () => boolean,
): Promise<string | undefined> {
  let left = input.size;
  let problem: string | undefined;
  const send = async (chunk: Uint8Array): Promise<void> => {
    const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
    left -= part.length;
    if (!stdin.write(part)) await drained(stdin, gone);
  };
  try {
    for await (const chunk of input.read()) {
      if (gone()) return problem;
      if (left === 0) {
        if (chunk.length) problem ??= `the input is longer than the ${input.size} bytes announced`;
        if (problem) break;
        continue;
      }
      await send(chunk);
    }
    if (left > 0) problem ??= `the input ended after ${input.size - left} of ${input.size} bytes`;
  } catch (e) {
    problem ??= `reading the input failed: ${(e as Error).message}`;
  }
  while (left > 0 && !gone()) await send(Buffer.alloc(Math.min(left, STREAM_CHUNK)));
  return problem;
}

/** Resolves once the stream takes more, or the shell is gone. */
function drained(stdin: Writable, gone: () => boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      stdin.off('drain', done);
      stdin.off('close', done);
      stdin.off('error', done);
      clearInterval(poll);
      resolve();
    };
    // a failure elsewhere (the connection's close) may not reach this stream: check now and then
    const poll = setInterval(() => gone() && done(), 200);
    stdin.on('drain', done);
    stdin.on('close', done);
    stdin.on('error', done);
  });
}
