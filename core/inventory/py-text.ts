// Values written into template output as Python writes them (str() and repr()), as Ansible's templating does.
import { isSecret } from '../secret.ts';
import { IntegralFloat, pyFloatRepr } from './py-float.ts';
import { UnsafeText } from './unsafe.ts';

/** Python's repr() of a str: single quotes unless the text holds ' and no ", escapes for \\, \n, \r, \t and non-printables. */
function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + q;
}

/**
 * Python's str() of a value (what `{{ v }}` writes): numbers as Python prints them (`integral` says a JS
 * number is an int), True/False/None, lists and dicts as their repr. Secrets give their real text: the
 * caller marks the result secret (see template.ts).
 */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof UnsafeText) return v.text;
  if (isSecret(v)) return v.reveal();
  return pyRepr(v);
}

/** Python's repr() of a value as held by drover (list → `['a', 1]`, dict → `{'k': True}`). */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return pyStrRepr(v);
  if (v instanceof UnsafeText) return pyStrRepr(v.text);
  if (isSecret(v)) return pyStrRepr(v.reveal());
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof IntegralFloat) return pyFloatRepr(v.value);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object')
    return `{${Object.keys(v)
      .map((k) => `${pyStrRepr(k)}: ${pyRepr((v as Record<string, unknown>)[k])}`)
      .join(', ')}}`;
  return String(v);
}
