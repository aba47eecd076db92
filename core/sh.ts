// Builds POSIX sh command lines in which every interpolated value is quoted by construction.
import { isSecret, type Secret } from './secret.ts';

/**
 * A command line for POSIX sh. `text` is what runs; `display` is what may be shown
 * (secrets masked). Only `sh` and `ShellCommand.join` create one, so nothing unquoted gets in.
 */
/** Marks ShellCommands across module instances (a site's own drover copy, a .ts source beside its dist/ build). */
const BRAND = Symbol.for('drover.shell-command');

export class ShellCommand {
  readonly [BRAND] = true;
  /** `instanceof` holds for a ShellCommand made by any copy of drover in the process (see BRAND). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }
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
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new Error(`shellFunction: not a valid function name: ${JSON.stringify(name)}`);
  if (body.secrets.length)
    throw new Error(`shellFunction ${name}: a function body cannot hold secrets (it stays defined in the session)`);
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
      if (seen && seen.definition !== f.definition)
        throw new Error(`two different shell functions named ${f.name} in one command`);
      out.set(f.name, f);
    }
  }
  return [...out.values()];
}

/** A value `sh` accepts: each becomes one quoted word; arrays become several words; a ShellCommand is inserted as is. */
export type ShellValue = string | number | bigint | boolean | Secret | ShellCommand | readonly ShellValue[];

/**
 * Words that are safe bare only if nothing else makes them special: the reserved words of POSIX sh
 * and of bash (Gentoo's sh). Bare in command position they are syntax (`if`, `time`), not a program.
 */
const RESERVED = new Set([
  'case',
  'do',
  'done',
  'elif',
  'else',
  'esac',
  'fi',
  'for',
  'if',
  'in',
  'then',
  'until',
  'while',
  'function',
  'select',
  'time',
  'coproc',
]);

/**
 * Quotes one word for POSIX sh: the result is always a single word with the exact bytes of `s`, in any
 * position: a value first in a command is a program name, never an assignment (`a=b`, bash's `a+=b`)
 * or a reserved word (`if`, `time`).
 */
export function quote(s: string): string {
  if (s === '') return "''";
  // Quoting cannot stop a word starting with '-' being read as an option: callers put `--` first where that matters.
  // Nor can it stop bash reading a command name starting with '%' as a job (`%1` runs fg), quoted or not.
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) && !/^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(s) && !RESERVED.has(s)) return s;
  return "'" + s.replace(/'/g, `'\\''`) + "'";
}

function render(v: ShellValue, secrets: Secret[], functions: ShellFunction[][]): { text: string; display: string } {
  if (v instanceof ShellCommand) {
    secrets.push(...v.secrets);
    functions.push([...v.functions]);
    return { text: v.text, display: v.display };
  }
  if (isSecret(v)) {
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
  // biome-ignore lint/complexity/useIndexOf: a cooked string is undefined after an invalid escape, which TemplateStringsArray's type does not admit
  const bad = strings.findIndex((s) => s === undefined);
  if (bad >= 0) throw new SyntaxError(invalidEscapeMessage(strings.raw[bad]));
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

/**
 * Why sh refuses a literal with an escape JavaScript cannot read (`\033`, `\1`, `\x`, `\u`): a tagged
 * template gets `undefined` for such a part (ES2018), which would become the text "undefined" or a
 * TypeError far from the cause. The raw text is not a fallback: every other literal is read cooked
 * (`\\n` reaches the shell as `\n`), so one raw part would mean something else than it says.
 */
function invalidEscapeMessage(raw: string): string {
  const esc = invalidEscape(raw);
  const shown = raw.length > 200 ? raw.slice(0, 200) + '…' : raw;
  const how = esc
    ? `${esc} is not a JavaScript escape: write \\\\${esc.slice(1)} (two backslashes) for the shell to receive ${esc}` +
      (/^\\\d/.test(esc) ? ' (printf and tr read octal escapes themselves)' : '')
    : 'it holds an escape JavaScript cannot read: double the backslash for the shell to receive one';
  return `sh: cannot build a command from the literal text \`${shown}\`: ${how}`;
}

/** The first escape in a template's raw text that has no cooked value, e.g. `\033`. */
export function invalidEscape(raw: string): string | undefined {
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '\\') continue;
    const rest = raw.slice(i + 1);
    const digits = /^[0-9]+/.exec(rest)?.[0];
    if (digits !== undefined) {
      // `\0` alone is NUL; `\0` followed by a digit, or `\1`..`\9`, is a legacy octal escape templates forbid.
      if (digits !== '0') return '\\' + digits.slice(0, 3);
    } else if (rest[0] === 'x') {
      const x = /^x[0-9A-Fa-f]{0,2}/.exec(rest)![0];
      if (x.length !== 3) return '\\' + x;
    } else if (rest[0] === 'u') {
      const u = /^u(?:\{([0-9A-Fa-f]*)\}?|[0-9A-Fa-f]{0,4})/.exec(rest)!;
      const braced = u[1] !== undefined && u[0].endsWith('}') && u[1] !== '' && parseInt(u[1], 16) <= 0x10ffff;
      if (!braced && !/^u[0-9A-Fa-f]{4}$/.test(u[0])) return '\\' + u[0];
    }
    i++;
  }
  return undefined;
}
