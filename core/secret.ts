// A value that must never be printed (Secret, SecretText), and the run's set of them that masks every text shown.
import { inspect } from 'node:util';

export const MASK = '***';
const values = new WeakMap<Secret, string>();
/** Marks Secrets across module instances (a .ts source and its dist/ build loaded side by side). */
const BRAND = Symbol.for('drover.secret');

/** A secret string (password, token). Only `reveal()` gives the real value; everything else sees `***`. */
export class Secret {
  readonly [BRAND] = true;
  constructor(value: string) {
    values.set(this, value);
  }
  /** The real value. Call it only where the value leaves for its destination (stdin of sudo, a file body). */
  reveal(): string {
    return values.get(this) as string;
  }
  /** Shown as `***` where a Secret is displayed on purpose (explicit toString, JSON, inspect). */
  toString(): string {
    return MASK;
  }
  toJSON(): string {
    return MASK;
  }
  [inspect.custom](): string {
    return MASK;
  }
  /**
   * Why implicit conversion throws: `${secret}` in a template literal or `'x' + secret` would silently
   * give the text "***", and that text would be written into a file or a command in place of the
   * value — a managed file corrupted without a word. Explicit `toString()`, JSON and inspect still mask.
   */
  [Symbol.toPrimitive](): never {
    throw new SecretConversionError();
  }
}

/** A Secret used where a string was built implicitly (template literal, `+`, String()). */
export class SecretConversionError extends TypeError {
  constructor() {
    super(
      'a Secret cannot be turned into a string implicitly (a template literal or + would give "***"): ' +
        'use sh`...${secret}` for a command, secretText`...${secret}` for file content, or secret.reveal() where the value must go',
    );
    this.name = 'SecretConversionError';
  }
}

/** Wraps a value as a Secret (a Secret passes through unchanged). */
export function secret(value: string | Secret): Secret {
  return isSecret(value) ? value : new Secret(value);
}

export function isSecret(value: unknown): value is Secret {
  return (
    value instanceof Secret ||
    (typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true)
  );
}

/**
 * Text in which some parts are Secrets, for file content: a template literal would turn a Secret into
 * `***`, so `secretText\`password=${pw}\n\`` keeps the parts apart. Prints masked like a Secret.
 */
export class SecretText {
  readonly parts: readonly (string | Secret)[];
  constructor(parts: readonly (string | Secret | SecretText)[]) {
    this.parts = parts.flatMap((p) => (p instanceof SecretText ? p.parts : [p]));
  }
  /** The Secrets it holds. */
  get secrets(): Secret[] {
    return this.parts.filter(isSecret);
  }
  /** The real text, for the file body. */
  reveal(): string {
    return this.parts.map((p) => (typeof p === 'string' ? p : p.reveal())).join('');
  }
  toString(): string {
    return this.parts.map((p) => p.toString()).join('');
  }
  toJSON(): string {
    return this.toString();
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/** Tagged template for text holding secrets: `secretText\`user=app\npassword=${host.vars.db_password}\n\``. */
export function secretText(
  strings: TemplateStringsArray,
  ...parts: (string | number | Secret | SecretText)[]
): SecretText {
  const out: (string | Secret | SecretText)[] = [strings[0]];
  parts.forEach((p, i) => out.push(typeof p === 'number' ? String(p) : p, strings[i + 1]));
  return new SecretText(out);
}

/** Every Secret in a value (vars): walks plain objects, arrays, Maps and Sets (not other objects: a Buffer is data). */
export function secretsIn(value: unknown, out: Secret[] = [], seen = new Set<unknown>()): Secret[] {
  if (typeof value !== 'object' || value === null || seen.has(value)) return out;
  seen.add(value);
  const proto = Object.getPrototypeOf(value);
  if (isSecret(value)) out.push(value);
  else if (value instanceof SecretText) out.push(...value.secrets);
  else if (Array.isArray(value) || value instanceof Set) for (const v of value) secretsIn(v, out, seen);
  else if (value instanceof Map) for (const v of value.values()) secretsIn(v, out, seen);
  else if (proto === Object.prototype || proto === null) for (const v of Object.values(value)) secretsIn(v, out, seen);
  return out;
}

// --- masking -------------------------------------------------------------------------------------

/** Encoded forms shorter than this are not masked: a few characters would match unrelated output. */
const MIN_ENCODED = 6;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = B64.slice(0, 62) + '-_';

const escapeRe = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
/** A regex matching `s` with ASCII letters in either case (hex digits). */
const anyCase = (s: string) =>
  [...s].map((c) => (/[a-f]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : escapeRe(c))).join('');

interface Form {
  source: string;
  /** Characters it matches (all forms are fixed-length): longer forms are tried first. */
  length: number;
}

/**
 * The base64 characters that carry the bytes of `bytes` when they sit at offset `align` (0, 1, 2) of a
 * longer stream: a character all of whose 6 bits come from the secret is literal; one at either end that
 * mixes secret bits with a neighbour's is a class of every character with those secret bits.
 */
function base64Form(bytes: Buffer, align: number, alphabet: string): { form: Form; whole: number } {
  const first = 8 * align;
  const last = first + 8 * bytes.length; // exclusive
  const bit = (b: number) => (bytes[(b - first) >> 3] >> (7 - ((b - first) & 7))) & 1;
  let source = '';
  let length = 0;
  let whole = 0;
  for (let i = Math.floor(first / 6); 6 * i < last; i++) {
    const known: number[] = [];
    for (let j = 0; j < 6; j++) {
      const b = 6 * i + j;
      known.push(b >= first && b < last ? bit(b) : -1);
    }
    const fits = [...alphabet].filter((_, v) => known.every((k, j) => k === -1 || ((v >> (5 - j)) & 1) === k));
    if (fits.length === 1) whole++;
    source += fits.length === 1 ? escapeRe(fits[0]) : `[${fits.map(escapeRe).join('')}]`;
    length++;
  }
  return { form: { source, length }, whole };
}

/** Regex forms of one secret value: itself and the encodings a command may print it in. */
export function maskForms(value: string): Form[] {
  const forms: Form[] = [{ source: escapeRe(value), length: value.length }];
  const bytes = Buffer.from(value, 'utf8');
  const add = (text: string, source = escapeRe(text)) => {
    if (text !== value && text.length >= MIN_ENCODED) forms.push({ source, length: text.length });
  };
  // base64 and base64url, alone (with its padding) and at each of the 3 offsets inside a longer stream
  add(bytes.toString('base64'));
  for (const alphabet of [B64, B64URL]) {
    for (let align = 0; align < 3; align++) {
      const { form, whole } = base64Form(bytes, align, alphabet);
      if (whole >= MIN_ENCODED) forms.push(form);
    }
  }
  const hex = bytes.toString('hex');
  add(hex, anyCase(hex));
  // percent-encoding: encodeURIComponent, and form encoding (space as +); hex digits in either case
  const pct = (s: string) =>
    s
      .split(/(%[0-9A-F]{2})/)
      .map((p, i) => (i % 2 ? anyCase(p) : escapeRe(p)))
      .join('');
  const uri = encodeURIComponent(value);
  add(uri, pct(uri));
  const form = new URLSearchParams([['', value]]).toString().slice(1);
  if (form !== uri) add(form, pct(form));
  // inside a JSON string, as JSON.stringify writes it and as ASCII-only encoders (Python's json) do
  const json = JSON.stringify(value).slice(1, -1);
  add(json);
  const ascii = json.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== json)
    add(
      ascii,
      ascii
        .split(/(\\u[0-9a-f]{4})/)
        .map((p, i) => (i % 2 ? anyCase(p) : escapeRe(p)))
        .join(''),
    );
  // inside a single-quoted sh word, as `set -x` prints it
  if (value.includes("'")) add(value.replace(/'/g, `'\\''`));
  // a multi-line secret (a key) printed line by line: each line long enough to be telling
  if (value.includes('\n'))
    for (const line of value.split(/\r?\n/))
      if (line.length >= MIN_ENCODED) forms.push({ source: escapeRe(line), length: line.length });
  return forms;
}

/**
 * The secrets of one run, and the one function that masks them in text. Every event passes through
 * `redact` (RedactingSink), so a value a command echoes, an error quotes or a diff holds shows as ***,
 * in raw and in the encoded forms `maskForms` lists.
 */
export class SecretSet {
  private readonly known = new Set<string>();
  private pattern: RegExp | null = null;

  constructor(secrets: Iterable<Secret | SecretText> = []) {
    this.add(...secrets);
  }

  get size(): number {
    return this.known.size;
  }

  /** Registers secrets (Secret, or the Secrets of a SecretText); an empty value masks nothing. */
  add(...secrets: (Secret | SecretText)[]): void {
    for (const s of secrets) {
      for (const one of s instanceof SecretText ? s.secrets : [s]) {
        const v = one.reveal();
        if (v.length > 0 && !this.known.has(v)) {
          this.known.add(v);
          this.pattern = null;
        }
      }
    }
  }

  /** True when `text` is the value of a registered secret. */
  has(text: string): boolean {
    return this.known.has(text);
  }

  redact(text: string): string {
    if (this.known.size === 0) return text;
    this.pattern ??= new RegExp(
      [...this.known]
        .flatMap(maskForms)
        // at one position the first alternative that matches wins: longest first
        .sort((a, b) => b.length - a.length)
        .map((f) => f.source)
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, MASK);
  }

  /** A copy of `value` with every string in it redacted (events: plain objects, arrays, strings). */
  redactDeep<T>(value: T): T {
    if (this.known.size === 0) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.redact(v);
      if (Array.isArray(v)) return v.map(walk);
      if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      }
      return v;
    };
    return walk(value) as T;
  }
}

/** Masks the given secrets' values (and their encoded forms) in a text. */
export function redact(text: string, secrets: Iterable<Secret>): string {
  return new SecretSet(secrets).redact(text);
}
