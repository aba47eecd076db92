// A live frame at the bottom of the terminal (the summary of a phase on many hosts): redrawn in place, and other writes to the terminal go above it.

export interface LiveFrameOptions {
  write: (text: string) => void;
  columns: () => number;
  rows: () => number;
  /** false: leave process.stdout/stderr alone (tests that capture output). */
  hookTerminal: boolean;
  /** Redrawn at most this often, however fast events come: its cost is bounded by time, not hosts. */
  refreshMs: number;
}

/** Draws `frame(columns, tick)` in place every refreshMs until `done`, then once more: the last frame stays. */
export async function drawLiveFrame(
  o: LiveFrameOptions,
  frame: (columns: number, tick: number) => string[],
  done: Promise<unknown>,
): Promise<void> {
  let drawn = 0;
  let tick = 0;
  let drawing = false;
  const own = (text: string) => {
    drawing = true;
    try {
      o.write(text);
    } finally {
      drawing = false;
    }
  };
  // Up to the frame's first line, clear to the end of the screen.
  const erase = () => {
    if (drawn) own(`\u001b[${drawn}A\r\u001b[0J`);
    drawn = 0;
  };
  const draw = () => {
    const lines = frame(o.columns(), tick++).slice(0, Math.max(1, o.rows() - 1));
    const up = drawn ? `\u001b[${drawn}A\r\u001b[0J` : '';
    drawn = 0;
    own(up + lines.join('\n') + '\n');
    drawn = lines.length;
  };
  // Text others write to the terminal meanwhile (the CLI's "Interrupted: ..." on Ctrl-C) would sit
  // inside the frame and be erased by the next redraw: it goes above the frame instead.
  const unhook = o.hookTerminal ? aboveFrame(() => drawing, erase, draw) : () => undefined;
  draw();
  const timer = setInterval(draw, o.refreshMs);
  try {
    await done;
  } finally {
    clearInterval(timer);
    unhook();
  }
  draw();
}
/**
 * While a frame is live, writes to the terminal's stdout/stderr that are not the frame's own (`isOwn`)
 * first erase the frame, then the frame is drawn again under them, as listr2 does for its task list.
 * Returns the function that puts the streams' write back.
 */
function aboveFrame(isOwn: () => boolean, erase: () => void, draw: () => void): () => void {
  const restore: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    if (!stream.isTTY) continue;
    const original = stream.write;
    const hooked = function (this: unknown, ...args: unknown[]): boolean {
      if (isOwn()) return (original as (...a: unknown[]) => boolean).apply(stream, args);
      erase();
      const ok = (original as (...a: unknown[]) => boolean).apply(stream, args);
      draw();
      return ok;
    };
    stream.write = hooked as typeof stream.write;
    restore.push(() => {
      if (stream.write === hooked) stream.write = original;
    });
  }
  return () => restore.forEach((r) => r());
}
