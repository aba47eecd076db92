// Parses -e / --extra-vars items: key=value (JSON-typed when the value is JSON), @file.yml|json, or a JSON object.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
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
        obj = JSON.parse(item);
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
    return JSON.parse(text);
  } catch {
    return text;
  }
}
