// JSON text of var values with numbers as Python (and so ansible-inventory) writes them: every digit of an int past 2^53, `8.0` for a whole float.
import { randomUUID } from 'node:crypto';
import { IntegralFloat, pyFloatRepr } from './py-float.ts';

/**
 * Like JSON.stringify(value, null, space), except that a BigInt is written as its digits (JSON.stringify
 * throws on it) and an IntegralFloat as a float (`8.0`, `1e+16`; its toJSON gives the bare number).
 */
export function jsonText(value: unknown, space?: number): string {
  const mark = `number-${randomUUID()}:`;
  let marked = false;
  const text = JSON.stringify(
    value,
    function (this: Record<string, unknown>, k, v) {
      // `this[k]` is the value before its toJSON(): an IntegralFloat's gives the bare number.
      const written = this[k];
      if (written instanceof IntegralFloat) {
        marked = true;
        return `${mark}${pyFloatRepr(written.value)}`;
      }
      if (typeof v !== 'bigint') return v;
      marked = true;
      return `${mark}${v}`;
    },
    space,
  );
  // JSON.stringify(undefined) is undefined: say so in text (error messages show it).
  if (text === undefined) return 'undefined';
  return marked ? text.replace(new RegExp(`"${mark}(-?[0-9][0-9.e+-]*)"`, 'g'), '$1') : text;
}
