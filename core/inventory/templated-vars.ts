// Inventory vars as a playbook sees them: `{{ }}` rendered against the host's own vars (and hostvars, groups), checked at load.
import { dirname } from 'node:path';
import { isSecret } from '../secret.ts';
import { InventoryError, originOf, putVar, type Vars } from './model.ts';
import { isTemplate, renderTemplate, templateProblem, type Scope } from './template.ts';
import { TemplateError, Undefined } from './template-filters.ts';
import { IntegralFloat, plainNumbers } from './py-float.ts';
import { UnsafeText } from './unsafe.ts';

const where = (vars: Vars, key: string) => originOf(vars, key) ?? {};

/** A short excerpt of a template for an error (never a Secret: those are not templated). */
const shown = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

/**
 * Refuses, at load, a var whose value (or a string inside it) is a template drover cannot render as
 * Ansible would: a lookup, an unknown filter or test, a `{% %}` block, a syntax error. The error names
 * the owner (host), the var, where it was set and the construct.
 */
export function checkTemplates(owner: string, vars: Vars): void {
  for (const key of Object.keys(vars)) {
    const walk = (v: unknown): void => {
      const text = typeof v === 'string' ? v : isSecret(v) ? v.reveal() : undefined;
      if (text !== undefined) {
        const problem = isTemplate(text) ? templateProblem(text) : undefined;
        if (problem) {
          const at = where(vars, key);
          // A secret's text is never shown, not even a broken template of it.
          const inText = typeof v === 'string' ? shown(text) : 'a secret value';
          throw new InventoryError(
            `${owner}: var ${key} is a template drover cannot render as Ansible would: ${problem}, in ${inText}`,
            at.file,
            at.line,
          );
        }
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object' && !(v instanceof UnsafeText)) Object.values(v).forEach(walk);
    };
    walk(vars[key]);
  }
}

/** What a host's templates may read besides its vars. */
export interface HostContext {
  name: string;
  /** group_names: the host's groups but `all`, sorted. */
  groupNames: string[];
  /** groups: every group's hosts, as Ansible's `groups` magic var. */
  groups: Record<string, string[]>;
  /** hostvars[NAME]: another host's templated vars. */
  hostvars: Record<string, unknown>;
  playbookDir?: string;
  /** The inventory file that first named the host (inventory_file, inventory_dir). */
  inventoryFile?: string;
}

/** Renders one value: strings that are templates, inside lists and dicts too; `!unsafe` text stays as written. */
function templateValue(v: unknown, scope: Scope): unknown {
  if (typeof v === 'string') return isTemplate(v) ? renderTemplate(v, scope) : v;
  if (v instanceof UnsafeText) return v.text;
  if (v instanceof IntegralFloat) return v;
  // Ansible templates decrypted text too; the result stays secret.
  if (isSecret(v)) return isTemplate(v.reveal()) ? renderTemplate(v.reveal(), scope, true) : v;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => templateValue(x, scope));
  const out: Vars = {};
  for (const k of Object.keys(v)) putVar(out, k, templateValue((v as Vars)[k], scope));
  return out;
}

/**
 * A lazy resolver of `raw` vars: each var is rendered once, on first use, against the others (and the
 * host's magic vars); a var that uses itself is an error, as Ansible's "recursive loop detected".
 */
export function varResolver(raw: Vars, host?: HostContext): (name: string) => unknown {
  const done = new Map<string, unknown>();
  const busy = new Set<string>();
  const magic: Vars = {};
  if (host) {
    putVar(magic, 'inventory_hostname', host.name);
    putVar(magic, 'inventory_hostname_short', host.name.split('.')[0]);
    putVar(magic, 'group_names', host.groupNames);
    putVar(magic, 'groups', host.groups);
    putVar(magic, 'hostvars', host.hostvars);
    if (host.playbookDir) putVar(magic, 'playbook_dir', host.playbookDir);
    if (host.inventoryFile) {
      putVar(magic, 'inventory_file', host.inventoryFile);
      putVar(magic, 'inventory_dir', dirname(host.inventoryFile));
    }
  }
  const scope: Scope = { lookup: (name) => resolve(name) };
  const resolve = (name: string): unknown => {
    if (Object.hasOwn(magic, name)) return magic[name];
    if (!Object.hasOwn(raw, name)) return new Undefined(name);
    if (done.has(name)) return done.get(name);
    if (busy.has(name)) throw new TemplateError(`recursive loop detected in template: ${name} uses itself`);
    busy.add(name);
    try {
      const v = templateValue(raw[name], scope);
      done.set(name, v);
      return v;
    } finally {
      busy.delete(name);
    }
  };
  return resolve;
}

/**
 * The vars a playbook sees: each rendered (see varResolver). A var whose template fails (an undefined
 * var, say) does not stop the load, since Ansible renders a var only where it is used: it stays in the
 * object, and reading it throws an InventoryError naming the owner, the var, where it was set and why.
 */
export function templatedVars(owner: string, raw: Vars, resolve: (name: string) => unknown): Vars {
  const out: Vars = {};
  for (const key of Object.keys(raw)) {
    try {
      // A whole float (`8.0`) is the number 8 for the playbook: JavaScript has one number type.
      putVar(out, key, plainNumbers(resolve(key)), originOf(raw, key));
    } catch (e) {
      const at = where(raw, key);
      const err = new InventoryError(`${owner}: var ${key}: ${(e as Error).message}`, at.file, at.line);
      // Not enumerable: listing or masking the vars does not trip over it; using it does.
      Object.defineProperty(out, key, {
        enumerable: false,
        configurable: true,
        get() {
          throw err;
        },
      });
    }
  }
  return out;
}
