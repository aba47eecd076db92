// Parses -e / --extra-vars items: key=value (JSON-typed when the value is JSON), @file.yml|json, or a JSON object.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IntegralFloat } from './py-float.ts';
import { InventoryError, putVar, refusePlaintextSecret, type Vars } from './model.ts';
import { readVarsYaml } from './yaml-doc.ts';

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Each item, in order (later items win):
 * - `key=value`: the value parsed as JSON when it is valid JSON (`port=22` → 22, `on=true` → true,
 *   `list=[1,2]`, `s="x"` → "x"), else the raw text (`name=web 1` → "web 1"). One pair per item.
 * - `@file.yml` / `@file.json`: a mapping of vars from a file (relative to `cwd`).
 * - `{"key": value}`: a JSON object.
 * Bad items throw an InventoryError that names the item.
 */
export function parseExtraVars(items: readonly string[], opts: { cwd?: string } = {}): Vars {
  const out: Vars = {};
  for (const item of items) {
    const label = `-e ${JSON.stringify(item)}`;
    const put = (key: string, value: unknown, file?: string, line?: number) => {
      // The label leaves out the item: it holds the password.
      refusePlaintextSecret(key, file ? { file, line } : { label: '-e' });
      putVar(out, key, value, file ? { file, line } : { label: '-e' });
    };
    if (item.startsWith('@')) {
      const file = resolve(opts.cwd ?? process.cwd(), item.slice(1));
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new InventoryError(
          `${label}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
      const parsed = readVarsYaml(text, file);
      for (const [k, v] of Object.entries(parsed.vars)) put(k, v, file, parsed.lines.get(k));
      continue;
    }
    if (item.trimStart().startsWith('{')) {
      let obj: unknown;
      try {
        obj = exactJsonParse(item);
      } catch (e) {
        throw new InventoryError(`${label}: not valid JSON: ${(e as Error).message}`);
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
        throw new InventoryError(`${label}: expected a JSON object`);
      for (const [k, v] of Object.entries(obj)) put(k, v);
      continue;
    }
    const eq = item.indexOf('=');
    if (eq < 0) throw new InventoryError(`${label}: expected key=value, @file or a JSON object`);
    const key = item.slice(0, eq).trim();
    if (!VAR_NAME.test(key)) throw new InventoryError(`${label}: '${key}' is not a valid variable name`);
    put(key, jsonOrText(item.slice(eq + 1)));
  }
  return out;
}

function jsonOrText(text: string): unknown {
  try {
    return exactJsonParse(text);
  } catch {
    return text;
  }
}

// A JSON string literal, or a number outside one.
const STRING_OR_NUMBER = /"(?:[^"\\]|\\.)*"|(?<![\w.+-])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])/g;

/**
 * JSON.parse with numbers as Ansible's json.loads gives them: an integer past 2^53 keeps every digit (a
 * BigInt, as the inventory readers keep it) where JSON.parse would round it, and a float with a whole
 * value (`8.0`, `1e3`) stays a float (IntegralFloat: the playbook gets 8, templates write `8.0`).
 */
function exactJsonParse(text: string): unknown {
  const mark = `number-${randomUUID()}:`;
  let marked = false;
  const tagged = text.replace(STRING_OR_NUMBER, (m) => {
    if (m[0] === '"') return m;
    const float = /[.eE]/.test(m);
    if (float ? !Number.isInteger(Number(m)) : Number.isSafeInteger(Number(m))) return m;
    marked = true;
    return `"${mark}${m}"`;
  });
  if (!marked) return JSON.parse(text);
  return JSON.parse(tagged, (_k, v) => {
    if (typeof v !== 'string' || !v.startsWith(mark)) return v;
    const m = v.slice(mark.length);
    return /[.eE]/.test(m) ? new IntegralFloat(Number(m)) : BigInt(m);
  });
}
