// YAML reading shared by inventory files, group_vars/host_vars and -e @file: PyYAML's typing, errors with file:line.
import {
  isMap,
  isScalar,
  LineCounter,
  parseDocument,
  YAMLMap,
  YAMLSeq,
  type Document,
  type Node,
  type ScalarTag,
  type Tags,
} from 'yaml';
import { Secret } from '../secret.ts';
import { InventoryError } from './model.ts';

// PyYAML's implicit resolvers (yaml/resolver.py), which Ansible's loader uses unchanged. The yaml
// package's YAML 1.1 schema differs: it reads `e1` and `1e5` as floats (NaN, 100000), `09` as 9,
// and y/n as booleans; PyYAML keeps all of those strings. A float needs a dot (or is .inf/.nan);
// an exponent needs a sign (`1.0e+5`); a leading 0 means octal and `08`/`09` are strings.
const PY_BOOL_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_BOOL_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const PY_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const PY_INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;

/** Base-60 digits `1:30:05` → 5405 (PyYAML's sexagesimal ints and floats). */
function sexagesimal(parts: number[]): number {
  return parts.reduce((acc, d) => acc * 60 + d, 0);
}

/** PyYAML's construct_yaml_int. */
export function pyInt(text: string): number {
  let v = text.replace(/_/g, '');
  const sign = v[0] === '-' ? -1 : 1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '0') return 0;
  if (v.startsWith('0b')) return sign * parseInt(v.slice(2), 2);
  if (v.startsWith('0x')) return sign * parseInt(v.slice(2), 16);
  if (v[0] === '0') return sign * parseInt(v, 8);
  if (v.includes(':')) return sign * sexagesimal(v.split(':').map(Number));
  return sign * Number(v);
}

/** PyYAML's construct_yaml_float. */
export function pyFloat(text: string): number {
  let v = text.replace(/_/g, '').toLowerCase();
  const sign = v[0] === '-' ? -1 : 1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '.inf') return sign * Infinity;
  if (v === '.nan') return NaN;
  if (v.includes(':')) return sign * sexagesimal(v.split(':').map(Number));
  return sign * Number(v);
}

const IMPLICIT = new Set([
  'tag:yaml.org,2002:int',
  'tag:yaml.org,2002:float',
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:timestamp',
]);

/**
 * The YAML 1.1 schema with the yaml package's int, float, bool and timestamp tags replaced by
 * PyYAML's (dates stay strings: a playbook gets the text as written), plus Ansible's tags:
 * `!unsafe` (a plain string: drover does not template), `!vault` (refused: drover has no vault
 * password) and drover's `!secret` (the value becomes a Secret).
 */
function pyyamlTags(tags: Tags): Tags {
  const out: Tags = tags.filter((t) => !IMPLICIT.has((t as ScalarTag).tag));
  const num = (v: unknown) => typeof v === 'number';
  out.push(
    {
      tag: 'tag:yaml.org,2002:bool',
      default: true,
      identify: (v) => v === true,
      test: PY_BOOL_TRUE,
      resolve: () => true,
    },
    {
      tag: 'tag:yaml.org,2002:bool',
      default: true,
      identify: (v) => v === false,
      test: PY_BOOL_FALSE,
      resolve: () => false,
    },
    { tag: 'tag:yaml.org,2002:float', default: true, identify: num, test: PY_FLOAT, resolve: pyFloat },
    { tag: 'tag:yaml.org,2002:int', default: true, identify: num, test: PY_INT, resolve: pyInt },
    // Explicit `!!int "0777"`, `!!float "1"`, `!!bool "yes"` (the tags above only match their own spellings).
    {
      tag: 'tag:yaml.org,2002:int',
      identify: num,
      resolve: (s: string, onError: (m: string) => void) =>
        PY_INT.test(s) ? pyInt(s) : onError(`invalid !!int ${JSON.stringify(s)}`),
    },
    {
      tag: 'tag:yaml.org,2002:float',
      identify: num,
      resolve: (s: string, onError: (m: string) => void) =>
        PY_FLOAT.test(s) || PY_INT.test(s) ? pyFloat(s) : onError(`invalid !!float ${JSON.stringify(s)}`),
    },
    {
      tag: 'tag:yaml.org,2002:bool',
      identify: (v) => typeof v === 'boolean',
      resolve: (s: string) => PY_BOOL_TRUE.test(s) || ['yes', 'true', 'on'].includes(s.toLowerCase()),
    },
    { tag: '!unsafe', resolve: (s: string) => s },
    { tag: '!secret', resolve: (s: string) => new Secret(s) },
    {
      tag: '!vault',
      resolve: (_s: string, onError: (msg: string) => void) => {
        onError(
          '!vault (Ansible Vault) values are not supported: drover has no vault password; mark the value !secret, or give it with -e / an environment variable',
        );
        return '';
      },
    },
    ...(['map', 'seq'] as const).map((collection) => ({
      tag: '!secret',
      collection,
      nodeClass: collection === 'map' ? YAMLMap : YAMLSeq,
      resolve: (value: YAMLMap | YAMLSeq, onError: (msg: string) => void) => {
        onError(`!secret marks a single value (a string), not a ${collection === 'map' ? 'mapping' : 'list'}`);
        return value;
      },
    })),
  );
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
  const doc = parseDocument(text, {
    version: '1.1',
    customTags: pyyamlTags,
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const err = doc.errors[0];
  if (err) {
    // An error reported at a line's end belongs to the next line (a mis-indented key there).
    const at = text[err.pos[0]] === '\n' ? err.pos[0] + 1 : err.pos[0];
    const line = lineCounter.linePos(at).line;
    // A refused tag (!vault, !secret on a list) is not a syntax error: say only what is wrong.
    const prefix = err.code === 'TAG_RESOLVE_FAILED' ? '' : 'invalid YAML: ';
    throw new InventoryError(
      `${prefix}${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      file,
      line,
    );
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
export function readVarsYaml(
  text: string,
  file: string,
): { vars: Record<string, unknown>; lines: Map<string, number> } {
  const source = readYaml(text, file);
  const root = source.doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === '')))
    return { vars: {}, lines: new Map() };
  if (!isMap(root))
    throw new InventoryError('expected a mapping of variable names to values', file, source.lineOf(root));
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
