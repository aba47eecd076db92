// YAML reading shared by inventory files, group_vars/host_vars and -e @file: PyYAML's typing, errors with file:line.
import {
  isAlias,
  isMap,
  isScalar,
  visit,
  LineCounter,
  parseDocument,
  YAMLMap,
  YAMLSeq,
  type Document,
  type Node,
  type ScalarTag,
  type Tags,
} from 'yaml';
import { isSecret, Secret } from '../secret.ts';
import { InventoryError } from './model.ts';
import { IntegralFloat, pyFloatValue } from './py-float.ts';
import { UnsafeText } from './unsafe.ts';
import { decryptVault, isVaultText, VaultError, type VaultKeyring } from './vault.ts';

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

/** An integer as Python keeps it: a number, or a BigInt past 2^53 where a number would change the value. */
export function exactInt(digits: string, radix: number, sign: 1 | -1): number | bigint {
  const n = sign * parseInt(digits, radix);
  if (Number.isSafeInteger(n)) return n;
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '';
  const big = BigInt(prefix + digits);
  return sign < 0 ? -big : big;
}

/** PyYAML's construct_yaml_int. */
export function pyInt(text: string): number | bigint {
  let v = text.replace(/_/g, '');
  const sign: 1 | -1 = v[0] === '-' ? -1 : 1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '0') return 0;
  if (v.startsWith('0b')) return exactInt(v.slice(2), 2, sign);
  if (v.startsWith('0x')) return exactInt(v.slice(2), 16, sign);
  if (v[0] === '0') return exactInt(v, 8, sign);
  if (v.includes(':')) return sign * sexagesimal(v.split(':').map(Number));
  return exactInt(v, 10, sign);
}

/** PyYAML's construct_yaml_float: a whole value stays a float (IntegralFloat), as Ansible prints and templates it. */
function pyFloat(text: string): number | IntegralFloat {
  return pyFloatValue(pyFloatNumber(text));
}

function pyFloatNumber(text: string): number {
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

/** What reading YAML may need beyond the text: vault passwords, and where warnings go. */
export interface YamlContext {
  vault?: VaultKeyring;
  /** Non-fatal findings (a duplicate key), with file:line; default: stderr. */
  warn?: (message: string) => void;
}

/** Warnings when the caller gives no sink: on stderr, as drover's other warnings. */
export const warnOnStderr = (message: string): void => {
  process.stderr.write(`drover: warning: ${message}\n`);
};

/**
 * The YAML 1.1 schema with the yaml package's int, float, bool and timestamp tags replaced by
 * PyYAML's (dates stay strings: a playbook gets the text as written), plus Ansible's tags:
 * `!unsafe` (text that is never templated), `!vault` (decrypted with the run's vault passwords into
 * a Secret) and drover's `!secret` (the value becomes a Secret).
 */
function pyyamlTags(tags: Tags, vault: VaultKeyring): Tags {
  const out: Tags = tags.filter((t) => !IMPLICIT.has((t as ScalarTag).tag));
  const num = (v: unknown) => typeof v === 'number' || typeof v === 'bigint' || v instanceof IntegralFloat;
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
    { tag: '!unsafe', resolve: (s: string) => new UnsafeText(s) },
    { tag: '!secret', resolve: (s: string) => new Secret(s) },
    {
      tag: '!vault',
      resolve: (s: string, onError: (msg: string) => void) => {
        try {
          return new Secret(decryptVault(s, vault));
        } catch (e) {
          if (!(e instanceof VaultError)) throw e;
          onError(`!vault value: ${e.message}`);
          return '';
        }
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
  /** The whole file was vault-encrypted: its values are Secrets. */
  encrypted: boolean;
  /** 1-based line of a node (undefined when the node has no position). */
  lineOf(node: unknown): number | undefined;
}

/** A whole vault-encrypted file's plain text (or the text itself when it is not encrypted). */
function decryptFile(text: string, file: string, vault: VaultKeyring): { text: string; encrypted: boolean } {
  if (!isVaultText(text)) return { text, encrypted: false };
  try {
    return { text: decryptVault(text, vault), encrypted: true };
  } catch (e) {
    if (e instanceof VaultError) throw new InventoryError(e.message, file);
    throw e;
  }
}

/**
 * Parses YAML text (decrypting it first when the whole file is vault-encrypted); a syntax error throws
 * InventoryError `file:line: message`. A key written twice in one mapping keeps the last value with a
 * warning, as PyYAML under Ansible does.
 */
export function readYaml(raw: string, file: string, ctx: YamlContext = {}): YamlSource {
  const { text, encrypted } = decryptFile(raw, file, ctx.vault ?? []);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    customTags: (tags) => pyyamlTags(tags, ctx.vault ?? []),
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false,
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
  warnDuplicateKeys(doc, (n) => lineOf(n), file, ctx.warn ?? warnOnStderr);
  return { doc, file, encrypted, lineOf };
}

/** PyYAML's warning under Ansible for a key given twice in one mapping (the last value is kept). */
function warnDuplicateKeys(
  doc: Document,
  lineOf: (n: unknown) => number | undefined,
  file: string,
  warn: (m: string) => void,
): void {
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const k = pair.key.value;
        if (seen.has(k))
          warn(
            `${file}:${lineOf(pair.key) ?? '?'}: found a duplicate dict key (${String(k)}). Using last defined value only.`,
          );
        seen.add(k);
      }
    },
  });
}

/** A node with a YAML alias (`*name`) replaced by the node it names. */
export function deref(source: YamlSource, node: unknown): unknown {
  return isAlias(node) ? node.resolve(source.doc) : node;
}

/** Every string in a decrypted file's value becomes a Secret: it was encrypted for a reason. */
function seal(value: unknown): unknown {
  if (typeof value === 'string') return new Secret(value);
  if (value instanceof IntegralFloat) return value;
  if (value instanceof UnsafeText) return new Secret(value.text);
  if (Array.isArray(value)) return value.map(seal);
  if (value && typeof value === 'object' && !isSecret(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value))
      Object.defineProperty(out, k, {
        value: seal((value as Record<string, unknown>)[k]),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    return out;
  }
  return value;
}

/** A node's plain JS value (aliases resolved). */
export function toValue(source: YamlSource, node: unknown): unknown {
  if (node === null || node === undefined) return null;
  if (typeof (node as Node).toJS === 'function') return (node as Node).toJS(source.doc, { maxAliasCount: 1000 });
  return node;
}

/** A var's value: as toValue, with strings sealed as Secrets when the file was vault-encrypted. */
export function varValue(source: YamlSource, node: unknown): unknown {
  const v = toValue(source, node);
  return source.encrypted ? seal(v) : v;
}

/** Reads a vars file (group_vars, host_vars, -e @file): a mapping or empty; refuses anything else. */
export function readVarsYaml(
  text: string,
  file: string,
  ctx: YamlContext = {},
): { vars: Record<string, unknown>; lines: Map<string, number> } {
  const source = readYaml(text, file, ctx);
  const root = source.doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === '')))
    return { vars: {}, lines: new Map() };
  if (!isMap(root))
    throw new InventoryError('expected a mapping of variable names to values', file, source.lineOf(root));
  // The whole mapping at once, so `<<: *anchor` merge keys are resolved.
  const vars = varValue(source, root) as Record<string, unknown>;
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
