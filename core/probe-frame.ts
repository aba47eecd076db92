// The one wire format for a probe's answer: named sections framed by a per-call nonce, parsed strictly.
import { randomBytes } from 'node:crypto';
import { sh, type ShellCommand } from './sh.ts';

/**
 * Why this shape: a probe prints things the host controls (file contents, command output, names). A
 * parser that trusts "lines starting with @" can be fooled by that content (a file holding `@end`, a
 * device name holding a newline and `@@REAL0 rc=0`). Here every section is opened and closed by a
 * marker carrying a nonce made for this one call; the content never sees the nonce, so it cannot open,
 * close or fake a section. The parser accepts nothing else: a byte outside a section, a section that
 * is not closed (truncated output), a repeated or unexpected name, or the nonce inside a content is
 * an error, never a guess.
 *
 * On the wire, for a section NAME whose body printed CONTENT and exited with status S:
 *
 *     @<nonce> NAME\n CONTENT \n@<nonce> NAME rc=S\n
 *
 * The newline before the closing marker is always added, so CONTENT is exact (with or without its own
 * final newline). A shell function defined once per session (see shellFunction) can print sections
 * too: pass it `frame.nonce` as an argument and print the same markers.
 */

/** A probe answer that is not what the probe framed: truncated, foreign or forged output. */
export class ProbeFormatError extends Error {
  constructor(what: string) {
    super(`unexpected probe output: ${what}`);
    this.name = 'ProbeFormatError';
  }
}

const NAME = /^[A-Za-z0-9_.:/-]{1,64}$/;

/** One framed section: its exact bytes and the exit status of the command that printed them. */
export interface ProbeSection {
  readonly name: string;
  readonly bytes: Buffer;
  /** The content decoded as UTF-8. */
  readonly text: string;
  readonly status: number;
}

/** The sections of one probe answer, by name, in the order they arrived. */
export class ProbeSections {
  constructor(private readonly byName: ReadonlyMap<string, ProbeSection>) {}

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The section; a missing one is a ProbeFormatError (the probe always prints the sections it framed). */
  get(name: string): ProbeSection {
    const s = this.byName.get(name);
    if (!s) throw new ProbeFormatError(`section ${name} is missing`);
    return s;
  }

  text(name: string): string {
    return this.get(name).text;
  }

  status(name: string): number {
    return this.get(name).status;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

/** Framing for one probe call: build its sections with `section`, read the answer with `parse`. */
export class ProbeFrame {
  /** 12 random bytes as hex: unguessable by anything on the host before the probe runs. */
  readonly nonce: string;

  constructor(nonce: string = randomBytes(12).toString('hex')) {
    if (!/^[0-9a-f]{16,64}$/.test(nonce)) throw new Error('ProbeFrame: the nonce must be 16-64 lowercase hex digits');
    this.nonce = nonce;
  }

  /** sh text printing section `name`: the output of `body` (stdout only), then its exit status. */
  section(name: string, body: ShellCommand): ShellCommand {
    checkName(name);
    return sh`printf '@%s %s\\n' ${this.nonce} ${name}; { ${body}
}; printf '\\n@%s %s rc=%s\\n' ${this.nonce} ${name} "$?"`;
  }

  /**
   * The wire bytes of an answer holding `sections` (name, content, status), exactly as `section` and a
   * shell function print them: for fixtures built from the format, and tests of hostile content.
   */
  render(sections: readonly (readonly [name: string, content: string | Buffer, status?: number])[]): Buffer {
    return Buffer.concat(
      sections.flatMap(([name, content, status = 0]) => {
        checkName(name);
        return [
          Buffer.from(`@${this.nonce} ${name}\n`),
          Buffer.from(content),
          Buffer.from(`\n@${this.nonce} ${name} rc=${status}\n`),
        ];
      }),
    );
  }

  /**
   * Splits the answer into its sections. `expected`, when given, lists every name the answer must hold
   * (and no other); a name ending in `?` may be absent (a probe that prints a section only when it
   * applies: a symlink's target). Throws ProbeFormatError on anything the probe did not frame.
   */
  parse(stdout: Buffer | string, expected?: readonly string[]): ProbeSections {
    const buf = typeof stdout === 'string' ? Buffer.from(stdout, 'utf8') : stdout;
    const open = Buffer.from(`@${this.nonce} `);
    const byName = new Map<string, ProbeSection>();
    let pos = 0;
    while (pos < buf.length) {
      if (buf.compare(open, 0, open.length, pos, Math.min(buf.length, pos + open.length)) !== 0) {
        throw new ProbeFormatError(`output outside any section at byte ${pos}: ${excerpt(buf.subarray(pos))}`);
      }
      const headerEnd = buf.indexOf(0x0a, pos);
      if (headerEnd < 0) throw new ProbeFormatError(`a section header is cut off at byte ${pos}`);
      const name = buf.subarray(pos + open.length, headerEnd).toString('latin1');
      if (!NAME.test(name)) throw new ProbeFormatError(`bad section name ${excerpt(Buffer.from(name, 'latin1'))}`);
      if (byName.has(name)) throw new ProbeFormatError(`section ${name} appears twice`);
      const close = Buffer.from(`\n@${this.nonce} ${name} rc=`);
      const start = headerEnd + 1;
      const at = buf.indexOf(close, start);
      if (at < 0) throw new ProbeFormatError(`section ${name} is not closed (truncated output?)`);
      const content = buf.subarray(start, at);
      if (content.indexOf(open) >= 0) throw new ProbeFormatError(`section ${name} holds another section's marker`);
      const rcStart = at + close.length;
      const rcEnd = buf.indexOf(0x0a, rcStart);
      const rcText = rcEnd < 0 ? '' : buf.subarray(rcStart, rcEnd).toString('latin1');
      if (!/^\d{1,3}$/.test(rcText)) throw new ProbeFormatError(`section ${name} has no exit status`);
      const bytes = Buffer.from(content);
      byName.set(name, { name, bytes, text: bytes.toString('utf8'), status: Number(rcText) });
      pos = rcEnd + 1;
    }
    if (expected) {
      const required = expected.filter((n) => !n.endsWith('?'));
      const allowed = new Set(expected.map((n) => (n.endsWith('?') ? n.slice(0, -1) : n)));
      for (const n of required) if (!byName.has(n)) throw new ProbeFormatError(`section ${n} is missing`);
      for (const n of byName.keys()) if (!allowed.has(n)) throw new ProbeFormatError(`unexpected section ${n}`);
    }
    return new ProbeSections(byName);
  }
}

/** Throws unless `name` can name a section (letters, digits, `_.:/-`, at most 64). */
export function checkName(name: string): void {
  if (!NAME.test(name)) throw new Error(`probe section name must match ${NAME}: ${JSON.stringify(name)}`);
}

/** At most 80 bytes, JSON-quoted, for an error message. */
function excerpt(b: Buffer): string {
  const s = JSON.stringify(b.subarray(0, 80).toString('latin1'));
  return b.length > 80 ? `${s}… (${b.length} bytes)` : s;
}
