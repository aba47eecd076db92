// Loads a TypeScript/JavaScript inventory module (default export: inventory({...})) into the builder.
import { importTypeScript } from '../boot/ts-import.ts';
import { isInventorySpec } from './define.ts';
import { InventoryBuilder, InventoryError } from './model.ts';
import { expandHostEntry } from './ranges.ts';

/** Imports `file` (bundled by esbuild, see core/ts-import.ts) and adds its default export. */
export async function loadTsInventory(
  file: string,
  builder: InventoryBuilder = new InventoryBuilder(),
): Promise<InventoryBuilder> {
  let mod: { default?: unknown };
  try {
    mod = await importTypeScript(file);
  } catch (e) {
    throw new InventoryError(`cannot load TypeScript inventory: ${(e as Error).message}`, file);
  }
  const spec = mod.default;
  if (!isInventorySpec(spec)) {
    throw new InventoryError(
      'the default export must be an inventory({...}) spec (import { inventory } from "drover")',
      file,
    );
  }
  return addSpec(spec, file, builder);
}

/** Adds an inventory spec (the `all` group) to the builder; wrong shapes throw naming the group or host. */
export function addSpec(
  spec: unknown,
  file: string,
  builder: InventoryBuilder = new InventoryBuilder(),
): InventoryBuilder {
  addGroup(builder, file, 'all', spec);
  return builder;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function addGroup(b: InventoryBuilder, file: string, name: string, spec: unknown): void {
  const where = { file, label: `group ${name}` };
  b.group(name, where);
  if (spec === null || spec === undefined) return;
  if (!isRecord(spec)) throw new InventoryError(`group ${name} must be an object with hosts, vars or children`, file);
  for (const key of Object.keys(spec)) {
    if (key !== 'hosts' && key !== 'vars' && key !== 'children') {
      throw new InventoryError(
        `unexpected key '${key}' in group ${name}: only hosts, vars and children are allowed`,
        file,
      );
    }
  }
  if (spec.vars != null) {
    if (!isRecord(spec.vars)) throw new InventoryError(`vars of group ${name} must be an object`, file);
    for (const [k, v] of Object.entries(spec.vars)) b.setGroupVar(name, k, v, where);
  }
  const hosts = spec.hosts;
  if (hosts != null) {
    const entries: [string, unknown][] = Array.isArray(hosts)
      ? hosts.map((h) => [String(h), null])
      : isRecord(hosts)
        ? Object.entries(hosts)
        : [];
    if (!Array.isArray(hosts) && !isRecord(hosts))
      throw new InventoryError(`hosts of group ${name} must be an object or an array of names`, file);
    for (const [entry, vars] of entries) {
      if (vars !== null && vars !== undefined && !isRecord(vars))
        throw new InventoryError(`host ${entry} in group ${name}: vars must be an object or null`, file);
      let expanded: ReturnType<typeof expandHostEntry>;
      try {
        expanded = expandHostEntry(entry);
      } catch (e) {
        throw new InventoryError(`group ${name}: ${(e as Error).message}`, file);
      }
      const v = { ...((vars as Record<string, unknown> | null) ?? {}) };
      for (const h of expanded.names) b.host(h, name, v, { file, label: `host ${h}` }, expanded.port);
    }
  }
  if (spec.children != null) {
    if (!isRecord(spec.children)) throw new InventoryError(`children of group ${name} must be an object`, file);
    for (const [child, childSpec] of Object.entries(spec.children)) {
      addGroup(b, file, child, childSpec);
      b.addChild(name, child, { file, label: `group ${name}` });
    }
  }
}
