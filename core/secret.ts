// A value that must never be printed: renders as *** in strings, JSON, util.inspect and errors.
import { inspect } from 'node:util';

const MASK = '***';
const values = new WeakMap<Secret, string>();

/** A secret string (password, token). Only `reveal()` gives the real value; everything else sees `***`. */
export class Secret {
  constructor(value: string) {
    values.set(this, value);
  }
  /** The real value. Call it only where the value leaves for its destination (stdin of sudo, a file body). */
  reveal(): string {
    return values.get(this) as string;
  }
  toString(): string {
    return MASK;
  }
  toJSON(): string {
    return MASK;
  }
  [inspect.custom](): string {
    return MASK;
  }
}

/** Wraps a value as a Secret (a Secret passes through unchanged). */
export function secret(value: string | Secret): Secret {
  return value instanceof Secret ? value : new Secret(value);
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}

/**
 * Replaces every occurrence of the given secrets' values in a text by ***.
 * Output of remote commands may echo a secret back (sudo prompts, a config file being diffed):
 * every text that reaches a renderer goes through this.
 */
export function redact(text: string, secrets: Iterable<Secret>): string {
  let out = text;
  for (const s of secrets) {
    const v = s.reveal();
    if (v.length > 0) out = out.split(v).join(MASK);
  }
  return out;
}
