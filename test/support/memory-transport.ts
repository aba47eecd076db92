// An in-memory Transport for engine tests that need no root and no host: each command is answered by a function.
import type { RawResult, CommandOptions, Transport } from '../../core/transport/transport.ts';

/** What the test's responder returns for one command: stdout text (exit 0) or a whole result. */
export type Answer = string | { code?: number; stdout?: string; stderr?: string; delayMs?: number };

/**
 * Runs nothing: `respond` answers each command text. Records every command and how many ran at once
 * across all transports sharing the same `counter` (to check the forks bound).
 */
export class MemoryTransport implements Transport {
  readonly kind = 'local' as const;
  readonly commands: string[] = [];
  closed = false;

  constructor(
    private readonly respond: (script: string) => Answer,
    private readonly counter: { now: number; max: number } = { now: 0, max: 0 },
  ) {}

  async run(script: string, _options?: CommandOptions): Promise<RawResult> {
    this.commands.push(script);
    this.counter.now++;
    this.counter.max = Math.max(this.counter.max, this.counter.now);
    try {
      const a = this.respond(script);
      const r = typeof a === 'string' ? { stdout: a } : a;
      await new Promise((resolve) => setTimeout(resolve, r.delayMs ?? 1));
      return { code: r.code ?? 0, stdout: Buffer.from(r.stdout ?? ''), stderr: Buffer.from(r.stderr ?? '') };
    } finally {
      this.counter.now--;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
