// `drover_secret_vars: [name, ...]`: vars a user marks secret from any var source (INI, YAML, TS, -e).
import { isSecret, Secret } from '../secret.ts';
import { jsonText } from './json-text.ts';
import { InventoryError, originOf, putVar, type Vars } from './model.ts';

export const SECRET_VARS = 'drover_secret_vars';

/** The names listed: a list of strings, or (INI, -e) a JSON list or a comma-separated string. */
function listedNames(owner: string, value: unknown, where: string): string[] {
  let list = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        list = JSON.parse(text);
      } catch {
        throw new InventoryError(`${owner}: ${SECRET_VARS}${where} is not a valid JSON list: ${text}`);
      }
    } else
      list = text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  }
  if (!Array.isArray(list) || !list.every((n) => typeof n === 'string')) {
    throw new InventoryError(
      `${owner}: ${SECRET_VARS}${where} must be a list of var names (or "a,b"), got ${jsonText(value)}`,
    );
  }
  return list;
}

/**
 * Wraps each var the merged `drover_secret_vars` of `owner` ("host web1", "play vars") lists as a
 * Secret (in place), so it prints as *** everywhere. A listed var that is absent is fine; one that is
 * not a string (or a Secret) is an error naming the owner, the var and where it was set.
 */
export function markSecretVars(owner: string, vars: Vars): void {
  if (!Object.hasOwn(vars, SECRET_VARS) || vars[SECRET_VARS] === null || vars[SECRET_VARS] === undefined) return;
  const at = originOf(vars, SECRET_VARS);
  const where = at?.file ? ` (${at.file}${at.line ? `:${at.line}` : ''})` : at?.label ? ` (${at.label})` : '';
  for (const name of listedNames(owner, vars[SECRET_VARS], where)) {
    if (!Object.hasOwn(vars, name)) continue;
    const v = vars[name];
    if (isSecret(v)) continue;
    if (typeof v !== 'string') {
      const set = originOf(vars, name);
      const setAt = set?.file ? `, set at ${set.file}${set.line ? `:${set.line}` : ''}` : '';
      throw new InventoryError(
        `${owner}: ${SECRET_VARS} lists ${name}, which is a ${Array.isArray(v) ? 'list' : typeof v} (${SECRET_VARS} marks strings only)${setAt}`,
      );
    }
    putVar(vars, name, new Secret(v), originOf(vars, name));
  }
}
