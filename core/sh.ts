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
  /** Shell functions the text calls: the host defines each once per shell session (see shellFunction). */
  readonly functions: readonly ShellFunction[];
  /** @internal use `sh` */
  constructor(text: string, display: string, secrets: readonly Secret[], functions: readonly ShellFunction[] = []) {
    this.text = text;
    this.display = display;
    this.secrets = secrets;
    this.functions = functions;
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
      unionFunctions(parts.map((p) => p.functions)),
    );
  }
}

/**
 * A POSIX sh function a command may call. Why: a probe helper of ~1 KB sent with every call costs
 * bytes and shell parsing on every round trip; defined once in the host's long-lived shell, each
 * call sends only its name and arguments. Commands run in subshells of that shell, which inherit it.
 */
export interface ShellFunction {
  readonly name: string;
  /** The whole definition, `name() { ... }`: trusted source text, never built from values. */
  readonly definition: string;
}

/** Declares a function from its body (trusted code, as sh`` literals are); the name must be a plain identifier. */
export function shellFunction(name: string, body: ShellCommand): ShellFunction {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`shellFunction: not a valid function name: ${JSON.stringify(name)}`);
  if (body.secrets.length) throw new Error(`shellFunction ${name}: a function body cannot hold secrets (it stays defined in the session)`);
  return { name, definition: `${name}() {\n${body.text}\n}` };
}

/** A command that calls `fn`: `fn` is defined before it runs, once per session. */
export function withFunction(fn: ShellFunction, cmd: ShellCommand): ShellCommand {
  return new ShellCommand(cmd.text, cmd.display, cmd.secrets, unionFunctions([[fn], cmd.functions]));
}

function unionFunctions(lists: readonly (readonly ShellFunction[])[]): readonly ShellFunction[] {
  const out = new Map<string, ShellFunction>();
  for (const list of lists) {
    for (const f of list) {
      const seen = out.get(f.name);
      if (seen && seen.definition !== f.definition) throw new Error(`two different shell functions named ${f.name} in one command`);
      out.set(f.name, f);
    }
  }
  return [...out.values()];
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

function render(v: ShellValue, secrets: Secret[], functions: ShellFunction[][]): { text: string; display: string } {
  if (v instanceof ShellCommand) {
    secrets.push(...v.secrets);
    functions.push([...v.functions]);
    return { text: v.text, display: v.display };
  }
  if (v instanceof Secret) {
    secrets.push(v);
    return { text: quote(v.reveal()), display: '***' };
  }
  if (Array.isArray(v)) {
    const parts = (v as readonly ShellValue[]).map((x) => render(x, secrets, functions));
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
  const functions: ShellFunction[][] = [];
  values.forEach((v, i) => {
    const r = render(v, secrets, functions);
    text += r.text + strings[i + 1];
    display += r.display + strings[i + 1];
  });
  return new ShellCommand(text, display, secrets, unionFunctions(functions));
}
