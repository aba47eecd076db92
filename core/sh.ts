// Builds POSIX sh command lines in which every interpolated value is quoted by construction.
import { Secret } from './secret.ts';

/**
 * A command line for POSIX sh. `text` is what runs; `display` is what may be shown
 * (secrets masked). Only `sh` and `ShellCommand.join` create one, so nothing unquoted gets in.
 */
export class ShellCommand {
  readonly text: string;
  readonly display: string;
  readonly secrets: readonly Secret[];
  /** @internal use `sh` */
  constructor(text: string, display: string, secrets: readonly Secret[]) {
    this.text = text;
    this.display = display;
    this.secrets = secrets;
  }
  toString(): string {
    return this.display;
  }
  toJSON(): string {
    return this.display;
  }
  /** Joins commands with a separator that is one of the sh list operators. */
  static join(parts: readonly ShellCommand[], sep: ' && ' | ' || ' | '; ' | '\n' | ' | ' = '\n'): ShellCommand {
    return new ShellCommand(
      parts.map((p) => p.text).join(sep),
      parts.map((p) => p.display).join(sep),
      parts.flatMap((p) => p.secrets),
    );
  }
}

/** A value `sh` accepts: each becomes one quoted word; arrays become several words; a ShellCommand is inserted as is. */
export type ShellValue = string | number | bigint | boolean | Secret | ShellCommand | readonly ShellValue[];

/** Quotes one word for POSIX sh: the result is always a single word with the exact bytes of `s`. */
export function quote(s: string): string {
  if (s === '') return "''";
  // Quoting cannot stop a word starting with '-' being read as an option: callers put `--` first where that matters.
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return "'" + s.replace(/'/g, `'\\''`) + "'";
}

function render(v: ShellValue, secrets: Secret[]): { text: string; display: string } {
  if (v instanceof ShellCommand) {
    secrets.push(...v.secrets);
    return { text: v.text, display: v.display };
  }
  if (v instanceof Secret) {
    secrets.push(v);
    return { text: quote(v.reveal()), display: '***' };
  }
  if (Array.isArray(v)) {
    const parts = (v as readonly ShellValue[]).map((x) => render(x, secrets));
    return { text: parts.map((p) => p.text).join(' '), display: parts.map((p) => p.display).join(' ') };
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
    const q = quote(String(v));
    return { text: q, display: q };
  }
  throw new TypeError(`sh: cannot interpolate a value of type ${v === null ? 'null' : typeof v}`);
}

/**
 * Tagged template for shell commands: sh`emerge --noreplace ${atoms}`.
 * Every `${}` is quoted as a word (an array as several words, an empty array as nothing);
 * the literal parts are trusted code written in the source file.
 */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): ShellCommand {
  let text = strings[0];
  let display = strings[0];
  const secrets: Secret[] = [];
  values.forEach((v, i) => {
    const r = render(v, secrets);
    text += r.text + strings[i + 1];
    display += r.display + strings[i + 1];
  });
  return new ShellCommand(text, display, secrets);
}
