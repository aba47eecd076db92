// YAML reading shared by inventory files, group_vars/host_vars and -e @file: PyYAML-like typing, errors with file:line.
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node, type ScalarTag, type Tags, type YAMLMap } from 'yaml';
import { InventoryError } from './model.ts';

/**
 * Ansible reads YAML with PyYAML (YAML 1.1): yes/no/on/off are booleans, 0755 is octal. The yaml
 * package's 1.1 schema also treats y/n as booleans (PyYAML does not: a var named `y` must stay `y`)
 * and turns dates into Date objects (kept as strings here, which is how they reach a playbook).
 */
function pyyamlTags(tags: Tags): Tags {
  const out: Tags = [];
  for (const t of tags) {
    const tag = t as ScalarTag;
    if (tag.tag === 'tag:yaml.org,2002:timestamp') continue;
    if (tag.tag === 'tag:yaml.org,2002:bool' && tag.test) {
      const truthy = tag.test.test('true');
      out.push({
        ...tag,
        test: truthy ? /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/ : /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
      });
      continue;
    }
    out.push(t);
  }
  return out;
}

export interface YamlSource {
  doc: Document;
  file: string;
  /** 1-based line of a node (undefined when the node has no position). */
  lineOf(node: unknown): number | undefined;
}

/** Parses YAML text; a syntax error throws InventoryError `file:line: message`. */
export function readYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', customTags: pyyamlTags, lineCounter, prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    // An error reported at a line's end belongs to the next line (a mis-indented key there).
    const at = text[err.pos[0]] === '\n' ? err.pos[0] + 1 : err.pos[0];
    const line = lineCounter.linePos(at).line;
    throw new InventoryError(`invalid YAML: ${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`, file, line);
  }
  const lineOf = (node: unknown): number | undefined => {
    const start = (node as { range?: readonly number[] } | null | undefined)?.range?.[0];
    return start === undefined ? undefined : lineCounter.linePos(start).line;
  };
  return { doc, file, lineOf };
}

/** A node's plain JS value (aliases resolved). */
export function toValue(source: YamlSource, node: unknown): unknown {
  if (node === null || node === undefined) return null;
  if (typeof (node as Node).toJS === 'function') return (node as Node).toJS(source.doc, { maxAliasCount: 1000 });
  return node;
}

/** Reads a vars file (group_vars, host_vars, -e @file): a mapping or empty; refuses anything else. */
export function readVarsYaml(text: string, file: string): { vars: Record<string, unknown>; lines: Map<string, number> } {
  const source = readYaml(text, file);
  const root = source.doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return { vars: {}, lines: new Map() };
  if (!isMap(root)) throw new InventoryError('expected a mapping of variable names to values', file, source.lineOf(root));
  // The whole mapping at once, so `<<: *anchor` merge keys are resolved.
  const vars = toValue(source, root) as Record<string, unknown>;
  return { vars, lines: keyLines(source, root) };
}

/** Line of each plain key of a mapping (for errors about one var). */
export function keyLines(source: YamlSource, map: YAMLMap): Map<string, number> {
  const lines = new Map<string, number>();
  for (const pair of map.items) {
    if (isScalar(pair.key)) lines.set(String(pair.key.value), source.lineOf(pair.key) ?? 0);
  }
  return lines;
}
