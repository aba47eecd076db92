// The two lexical rules Ansible's INI inventory uses: POSIX shlex word splitting and Python literal values.
import { IntegralFloat, pyFloatValue } from './py-float.ts';
import { exactInt } from './yaml-doc.ts';

/**
 * Splits a host line like Python's `shlex.split(line, comments=True)`: whitespace separates words,
 * '...' and "..." quote (backslash escapes only " and \ inside "..."), a backslash outside quotes
 * escapes the next character, and `#` outside quotes starts a comment, even inside a word.
 * Throws on an unclosed quote or a trailing backslash.
 */
export function shlexSplit(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === '#') break;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === '\\') {
      if (i + 1 >= line.length) throw new Error('no escaped character');
      word += line[i + 1];
      i += 2;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('no closing quotation');
      word += line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('no closing quotation');
        const d = line[i];
        if (d === '"') break;
        if (d === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
          word += line[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      i++;
    } else {
      word += c;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

type Parsed = { ok: true; value: unknown } | { ok: false };

/**
 * Evaluates a Python literal like `ast.literal_eval`: ints (incl. 0x/0o/0b, `_`), floats, strings,
 * True/False/None, lists, tuples (→ arrays), dicts, sets (→ arrays). Anything else is not a literal.
 */
export function pythonLiteral(text: string): Parsed {
  const p = new LiteralParser(text.replace(/^[ \t]+/, ''));
  try {
    const value = p.expression();
    p.skipSpace();
    if (!p.done()) return { ok: false };
    return { ok: true, value };
  } catch (e) {
    if (e instanceof NotALiteral) return { ok: false };
    throw e;
  }
}

/** Ansible's INI value rule: a Python literal when it is one, else the text unchanged. */
export function iniValue(text: string): unknown {
  const r = pythonLiteral(text);
  return r.ok ? r.value : text;
}

class NotALiteral extends Error {}

const NUMBER =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.(?:\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*[eE][+-]?\d(?:_?\d)*|[1-9](?:_?\d)*|0(?:_?0)*)(?![\w.])/;

class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.i >= this.s.length;
  }

  skipSpace(): void {
    for (;;) {
      while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
      if (this.s[this.i] === '#') {
        while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
        continue;
      }
      return;
    }
  }

  private fail(): never {
    throw new NotALiteral();
  }

  private eat(ch: string): boolean {
    this.skipSpace();
    if (this.s[this.i] === ch) {
      this.i++;
      return true;
    }
    return false;
  }

  expression(): unknown {
    this.skipSpace();
    const c = this.s[this.i];
    if (c === undefined) this.fail();
    if (c === '[') return this.sequence(']');
    if (c === '(') return this.tuple();
    if (c === '{') return this.dictOrSet();
    if (c === '-' || c === '+') {
      this.i++;
      this.skipSpace();
      const n = this.number();
      if (c === '+') return n;
      return n instanceof IntegralFloat ? new IntegralFloat(-n.value) : -n;
    }
    if (/[0-9.]/.test(c)) return this.number();
    const word = /^[A-Za-z_]\w*/.exec(this.s.slice(this.i))?.[0];
    if (word) {
      const next = this.s[this.i + word.length];
      if ((next === "'" || next === '"') && /^[uUrR]$/.test(word)) {
        this.i += word.length;
        return this.strings(word.toLowerCase() === 'r');
      }
      this.i += word.length;
      if (word === 'True') return true;
      if (word === 'False') return false;
      if (word === 'None') return null;
      this.fail();
    }
    if (c === "'" || c === '"') return this.strings(false);
    this.fail();
  }

  /** Python ints keep every digit: past 2^53 they are BigInts (exactInt), as a number would change them. */
  private number(): number | bigint | IntegralFloat {
    const m = NUMBER.exec(this.s.slice(this.i));
    if (!m) this.fail();
    this.i += m[0].length;
    const t = m[0].replace(/_/g, '');
    if (/^0[xX]/.test(t)) return exactInt(t.slice(2), 16, 1);
    if (/^0[oO]/.test(t)) return exactInt(t.slice(2), 8, 1);
    if (/^0[bB]/.test(t)) return exactInt(t.slice(2), 2, 1);
    if (/^\d+$/.test(t)) return exactInt(t, 10, 1);
    // A float keeps being one when its value is whole (`8.0`, `1e3`): Ansible prints and templates it so.
    return pyFloatValue(Number(t));
  }

  /** One or more adjacent string literals (Python concatenates them). */
  private strings(raw: boolean): string {
    let out = this.string(raw);
    for (;;) {
      const save = this.i;
      this.skipSpace();
      const c = this.s[this.i];
      if (c === "'" || c === '"') out += this.string(false);
      else if (/[uUrR]/.test(c ?? '') && (this.s[this.i + 1] === "'" || this.s[this.i + 1] === '"')) {
        const r = /[rR]/.test(c);
        this.i++;
        out += this.string(r);
      } else {
        this.i = save;
        return out;
      }
    }
  }

  private string(raw: boolean): string {
    const q = this.s[this.i];
    const triple = this.s.startsWith(q.repeat(3), this.i);
    const close = triple ? q.repeat(3) : q;
    this.i += close.length;
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) this.fail();
      if (this.s.startsWith(close, this.i)) {
        this.i += close.length;
        return out;
      }
      const c = this.s[this.i];
      if (!triple && c === '\n') this.fail();
      if (c === '\\') {
        const n = this.s[this.i + 1];
        if (n === undefined) this.fail();
        if (raw) {
          out += c + n;
          this.i += 2;
          continue;
        }
        this.i += 2;
        const simple: Record<string, string> = {
          n: '\n',
          t: '\t',
          r: '\r',
          '\\': '\\',
          "'": "'",
          '"': '"',
          a: '\x07',
          b: '\b',
          f: '\f',
          v: '\v',
          '\n': '',
        };
        if (n in simple) out += simple[n];
        else if (n === 'x' || n === 'u' || n === 'U') {
          const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
          const hex = this.s.slice(this.i, this.i + len);
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail();
          out += String.fromCodePoint(parseInt(hex, 16));
          this.i += len;
        } else if (/[0-7]/.test(n)) {
          const oct = /^[0-7]{0,2}/.exec(this.s.slice(this.i))![0];
          out += String.fromCharCode(parseInt(n + oct, 8));
          this.i += oct.length;
        } else out += '\\' + n;
        continue;
      }
      out += c;
      this.i++;
    }
  }

  private sequence(close: string): unknown[] {
    this.i++;
    const items: unknown[] = [];
    if (this.eat(close)) return items;
    for (;;) {
      items.push(this.expression());
      if (this.eat(close)) return items;
      if (!this.eat(',')) this.fail();
      if (this.eat(close)) return items;
    }
  }

  private tuple(): unknown {
    this.i++;
    if (this.eat(')')) return [];
    const first = this.expression();
    if (this.eat(')')) return first; // (x) is just x
    if (!this.eat(',')) this.fail();
    const items = [first];
    if (this.eat(')')) return items;
    for (;;) {
      items.push(this.expression());
      if (this.eat(')')) return items;
      if (!this.eat(',')) this.fail();
      if (this.eat(')')) return items;
    }
  }

  private dictOrSet(): unknown {
    this.i++;
    if (this.eat('}')) return {};
    const first = this.expression();
    if (this.eat(':')) {
      const out: Record<string, unknown> = {};
      let key = first;
      for (;;) {
        // unhashable in Python (a whole float is a key: `{1.0: x}` → "1.0")
        if (typeof key === 'object' && key !== null && !(key instanceof IntegralFloat)) this.fail();
        // defineProperty: a `__proto__` key stays a key.
        Object.defineProperty(out, String(key), {
          value: this.expression(),
          writable: true,
          enumerable: true,
          configurable: true,
        });
        if (this.eat('}')) return out;
        if (!this.eat(',')) this.fail();
        if (this.eat('}')) return out;
        key = this.expression();
        if (!this.eat(':')) this.fail();
      }
    }
    const items = [first];
    for (;;) {
      if (this.eat('}')) return items;
      if (!this.eat(',')) this.fail();
      if (this.eat('}')) return items;
      items.push(this.expression());
    }
  }
}
