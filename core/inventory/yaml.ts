// Parser for Ansible's YAML inventory format: groups with hosts / vars / children, starting at `all`.
import { isMap, isScalar, type YAMLMap } from 'yaml';
import { InventoryBuilder, InventoryError, putVar, refusePlaintextSecret } from './model.ts';
import { jsonText } from './json-text.ts';
import { IntegralFloat, numberOf } from './py-float.ts';
import { expandHostEntry } from './ranges.ts';
import { deref, keyLines, readYaml, toValue, varValue, type YamlContext, type YamlSource } from './yaml-doc.ts';

/**
 * Parses YAML inventory text into `builder`. Like Ansible: top-level keys are groups (normally just
 * `all`); a group has `hosts` (name → vars or null), `vars` and `children` (name → group or null).
 * Unlike Ansible, which only warns, unexpected keys and wrong shapes are errors with file:line.
 */
export function parseYamlInventory(
  text: string,
  file: string,
  builder: InventoryBuilder = new InventoryBuilder(),
  ctx: YamlContext = {},
): InventoryBuilder {
  const src = readYaml(text, file, ctx);
  const root = src.doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    throw new InventoryError('empty YAML inventory (expected `all:` with hosts, vars or children)', file);
  }
  if (!isMap(root))
    throw new InventoryError(
      'a YAML inventory must be a mapping of group names (start with `all:`)',
      file,
      src.lineOf(root),
    );
  if (root.items.some((p) => keyOf(src, p.key) === 'plugin')) {
    throw new InventoryError(
      'this is an inventory plugin configuration (plugin:), which drover does not run',
      file,
      src.lineOf(root),
    );
  }
  for (const pair of root.items)
    parseGroup(src, builder, keyOf(src, pair.key, 'group name'), pair.value, src.lineOf(pair.key));
  return builder;
}

/**
 * A group or host name: it must be a string once YAML has typed it. Ansible refuses the source when
 * YAML reads a name as a number or boolean (`0777:` is 511, `yes:` is True); drover says so with file:line.
 */
function keyOf(src: YamlSource, key: unknown, what = 'key'): string {
  const v = numberOf(toValue(src, key));
  if (v === null || typeof v === 'object') {
    throw new InventoryError('keys must be plain names', src.file, src.lineOf(key));
  }
  if (typeof v !== 'string') {
    const written = isScalar(key) && typeof key.source === 'string' ? key.source : String(v);
    throw new InventoryError(
      `${what} ${written} is read by YAML as the ${typeof v} ${String(v)}, not a name (Ansible refuses it too): quote it, '${written}'`,
      src.file,
      src.lineOf(key),
    );
  }
  return v;
}

function parseGroup(
  src: YamlSource,
  b: InventoryBuilder,
  name: string,
  aliased: unknown,
  line: number | undefined,
): void {
  const { file } = src;
  // A whole group, or its hosts/vars/children, may be a YAML alias (`web: *base`), as PyYAML resolves it.
  const node = deref(src, aliased);
  b.group(name, { file, line });
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) return;
  if (!isMap(node))
    throw new InventoryError(
      `group ${name} must be a mapping with hosts, vars or children`,
      file,
      src.lineOf(node) ?? line,
    );
  for (const pair of (node as YAMLMap).items) {
    const section = keyOf(src, pair.key);
    const sectionLine = src.lineOf(pair.key);
    const value = deref(src, pair.value);
    if (value === null || (isScalar(value) && value.value === null)) continue;
    if (section !== 'hosts' && section !== 'vars' && section !== 'children') {
      throw new InventoryError(
        `unexpected key '${section}' in group ${name}: only hosts, vars and children are allowed`,
        file,
        sectionLine,
      );
    }
    // Ansible accepts `hosts: name` (a single string) as `hosts: {name: null}`.
    if (isScalar(value) && typeof value.value === 'string' && section !== 'vars') {
      const hostOrGroup = value.value;
      if (section === 'hosts') addHostEntry(src, b, name, hostOrGroup, null, src.lineOf(value));
      else {
        parseGroup(src, b, hostOrGroup, null, src.lineOf(value));
        b.addChild(name, hostOrGroup, { file, line: src.lineOf(value) });
      }
      continue;
    }
    if (!isMap(value)) {
      throw new InventoryError(
        `'${section}' of group ${name} must be a mapping`,
        file,
        src.lineOf(value) ?? sectionLine,
      );
    }
    if (section === 'vars') {
      // The whole mapping at once, so `<<: *anchor` merge keys are resolved.
      const lines = keyLines(src, value as YAMLMap);
      for (const [k, v] of Object.entries(varValue(src, value) as Record<string, unknown>))
        b.setGroupVar(name, k, v, { file, line: lines.get(k) });
      continue;
    }
    for (const item of (value as YAMLMap).items) {
      const key = keyOf(src, item.key, section === 'children' ? 'group name' : 'host name');
      const keyLine = src.lineOf(item.key);
      if (section === 'children') {
        parseGroup(src, b, key, item.value, keyLine);
        b.addChild(name, key, { file, line: keyLine });
      } else addHostEntry(src, b, name, key, item.value, keyLine);
    }
  }
}

function addHostEntry(
  src: YamlSource,
  b: InventoryBuilder,
  group: string,
  entry: string,
  node: unknown,
  line: number | undefined,
): void {
  const { file } = src;
  let expanded: ReturnType<typeof expandHostEntry>;
  try {
    expanded = expandHostEntry(entry);
  } catch (e) {
    throw new InventoryError((e as Error).message, file, line);
  }
  const value = varValue(src, deref(src, node));
  if (value !== null && (typeof value !== 'object' || Array.isArray(value) || value instanceof IntegralFloat)) {
    throw new InventoryError(
      `host ${entry} in group ${group}: expected a mapping of vars or nothing, got ${jsonText(value)}`,
      file,
      line,
    );
  }
  const vars: Record<string, unknown> = {};
  const target = deref(src, node);
  const lines = isMap(target) ? keyLines(src, target) : new Map<string, number>();
  for (const [k, v] of Object.entries((value as Record<string, unknown> | null) ?? {}))
    putVar(vars, k, v, { file, line: lines.get(k) ?? line });
  // Per-var lines make a refused plain-text password point at its own line.
  for (const k of Object.keys(vars))
    refusePlaintextSecret(k, { file, line: lines.get(k) ?? line, label: `host ${entry}` });
  for (const name of expanded.names) b.host(name, group, vars, { file, line }, expanded.port);
}
