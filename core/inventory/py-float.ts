// A Python float with a whole value (`8.0`, `1e3`) as Ansible reads it: the number 8 for the playbook, `8.0` wherever Ansible writes it.

/**
 * JavaScript has one number type, so `8.0` and `8` are the same number; Ansible keeps a float, prints it
 * `8.0` (ansible-inventory) and templates it as `8.0`. The readers (YAML, INI literals, -e JSON) wrap such
 * a float in this class in the vars as written (rawVars); templating and `drover inventory` read it as
 * a float; the vars a playbook sees hold the plain number (see plainNumbers).
 */
export class IntegralFloat {
  constructor(readonly value: number) {}
  /** JSON writers that do not know it (anything but drover inventory's) write the number. */
  toJSON(): number {
    return this.value;
  }
  valueOf(): number {
    return this.value;
  }
  /** As Python writes it (a dict key, an error message): `8.0`. */
  toString(): string {
    return pyFloatRepr(this.value);
  }
}

/** A float read from the text: wrapped when its value is whole (and finite), else the number itself. */
export function pyFloatValue(x: number): number | IntegralFloat {
  return Number.isInteger(x) ? new IntegralFloat(x) : x;
}

/** The number of a value that may be an IntegralFloat. */
export const numberOf = (v: unknown): unknown => (v instanceof IntegralFloat ? v.value : v);

/** `v` with every IntegralFloat (inside lists and plain dicts too) replaced by its number: what a playbook sees. */
export function plainNumbers(v: unknown): unknown {
  if (v instanceof IntegralFloat) return v.value;
  if (Array.isArray(v)) return v.some(holdsFloat) ? v.map(plainNumbers) : v;
  if (isPlainObject(v) && holdsFloat(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v))
      Object.defineProperty(out, k, {
        value: plainNumbers(v[k]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  }
  return v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function holdsFloat(v: unknown): boolean {
  if (v instanceof IntegralFloat) return true;
  if (Array.isArray(v)) return v.some(holdsFloat);
  if (isPlainObject(v)) return Object.keys(v).some((k) => holdsFloat(v[k]));
  return false;
}

/** Python's repr() of a float: `8.0`, `1e+16`, `1.5e-05`, `inf`, `nan`. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    // JavaScript: 1.5e-5; Python: 1.5e-05 (at least two exponent digits).
    return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}
