// Jinja templating of inventory vars on @huggingface/jinja's parser and interpreter, restricted to a checked subset.
import { Environment, Interpreter, parse, tokenize } from '@huggingface/jinja';
import { isSecret, Secret } from '../secret.ts';
import { pythonLiteral } from './ini-values.ts';
import { IntegralFloat, pyFloatRepr, pyFloatValue } from './py-float.ts';
import { pyStr } from './py-text.ts';
import { defined, FILTERS, STRING_METHODS, TemplateError, TESTS, Undefined } from './template-filters.ts';

// The library's AST and runtime values, as far as drover touches them (its .d.ts keeps most private).
interface Node {
  type: string;
  [k: string]: unknown;
}
interface RuntimeValue {
  type: string;
  value: unknown;
}

/** Whether text holds Jinja syntax, as Ansible's is_possibly_template decides it. */
export function isTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('{%') || text.includes('{#');
}

const parsed = new Map<string, Node[] | string>();

/**
 * Ansible's _escape_backslashes: inside `{{ }}`, every backslash of a string literal is doubled before
 * Jinja reads it, so `regex_replace('^v(\\d+)\\.', '\\1')` gets the backslashes as written (a user writes
 * them once, not twice). The library's lexer, like Jinja, reads a doubled backslash as one.
 */
function pythonEscapes(text: string): string {
  if (!text.includes('\\') || !text.includes('{{')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) return out + text.slice(i);
    out += text.slice(i, open + 2);
    i = open + 2;
    let quote = '';
    while (i < text.length) {
      const c = text[i];
      if (!quote && text.startsWith('}}', i)) break;
      if (quote && c === '\\' && i + 1 < text.length) {
        // Jinja's string token: a backslash keeps the next character inside the string.
        const n = text[i + 1];
        out += n === quote ? `\\${n}` : `\\\\${n === '\\' ? '\\\\' : n}`;
        i += 2;
        continue;
      }
      if (quote && c === quote) quote = '';
      else if (!quote && (c === "'" || c === '"')) quote = c;
      out += c;
      i++;
    }
  }
  return out;
}

/** The template's top-level nodes, or why it is refused: a syntax error or a construct outside the subset. */
function compile(text: string): Node[] | string {
  let hit = parsed.get(text);
  if (hit === undefined) {
    try {
      const body = (parse(tokenize(pythonEscapes(text))) as unknown as { body: Node[] }).body;
      hit = refused(body) ?? body;
    } catch (e) {
      hit = `invalid template: ${(e as Error).message}`;
    }
    if (parsed.size > 10000) parsed.clear();
    parsed.set(text, hit);
  }
  return hit;
}

/** Why drover refuses a template (the construct it uses), or undefined when it is in the supported subset. */
export function templateProblem(text: string): string | undefined {
  const c = compile(text);
  return typeof c === 'string' ? c : undefined;
}

const STATEMENTS = new Set(['If', 'For', 'Set', 'Macro', 'CallStatement', 'FilterStatement', 'Break', 'Continue']);
const PLAIN = new Set([
  'StringLiteral',
  'IntegerLiteral',
  'FloatLiteral',
  'Identifier',
  'Comment',
  'ArrayLiteral',
  'TupleLiteral',
  'ObjectLiteral',
  'BinaryExpression',
  'UnaryExpression',
  'Ternary',
  'MemberExpression',
  'SliceExpression',
  'KeywordArgumentExpression',
]);

/** A short rendering of a var / member / subscript expression, for errors. */
function exprText(n: Node): string {
  if (n.type === 'Identifier') return String(n.value);
  if (n.type === 'StringLiteral') return JSON.stringify(n.value);
  if (n.type === 'IntegerLiteral') return String(n.value);
  if (n.type === 'MemberExpression')
    return n.computed
      ? `${exprText(n.object as Node)}[${exprText(n.property as Node)}]`
      : `${exprText(n.object as Node)}.${exprText(n.property as Node)}`;
  return '…';
}

function calleeName(n: Node): string {
  if (n.type === 'Identifier') return String(n.value);
  if (n.type === 'MemberExpression') return `${calleeName(n.object as Node)}.${calleeName(n.property as Node)}`;
  return n.type;
}

/** Walks the AST: the first construct outside the subset, named as the user wrote it. */
function refused(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const n of node) {
      const r = refused(n);
      if (r) return r;
    }
    return undefined;
  }
  if (node instanceof Map) return refused([...node.keys(), ...node.values()]);
  if (!node || typeof node !== 'object' || typeof (node as Node).type !== 'string') return undefined;
  const n = node as Node;
  if (STATEMENTS.has(n.type))
    return `{% ${n.type.replace(/Statement$/, '').toLowerCase()} %} blocks are not supported (only {{ expressions }})`;
  if (n.type === 'CallExpression') {
    const callee = n.callee as Node;
    const method = callee.type === 'MemberExpression' && !callee.computed ? (callee.property as Node).value : undefined;
    if (typeof method !== 'string' || !Object.hasOwn(STRING_METHODS, method)) {
      const name = calleeName(callee);
      return /^(lookup|query|q)$/.test(name)
        ? `${name}() runs a lookup plugin on the control machine, which drover does not do`
        : `the call ${name}() is not supported`;
    }
    return refused([callee.object, n.args]);
  }
  if (n.type === 'FilterExpression') {
    const f = n.filter as Node;
    const name = String(f.type === 'CallExpression' ? (f.callee as Node).value : f.value);
    if (!Object.hasOwn(FILTERS, name)) return `filter ${name} is not supported`;
    return refused([n.operand, f.type === 'CallExpression' ? f.args : []]);
  }
  if (n.type === 'TestExpression') {
    const name = String((n.test as Node).value);
    if (!TESTS.has(name)) return `test '${name}' is not supported`;
    return refused(n.operand);
  }
  if (!PLAIN.has(n.type)) return `${n.type} is not supported`;
  // Operator tokens carry a `type` too: they are not nodes.
  for (const [k, v] of Object.entries(n))
    if (k !== 'type' && k !== 'operator') {
      const r = refused(v);
      if (r) return r;
    }
  return undefined;
}

/** How a template finds vars: the value (already templated), or Undefined when there is none. */
export interface Scope {
  lookup(name: string): unknown;
}

// Runtime value classes, reached through the values the library makes (only Environment and Interpreter are exported).
const probe = new Environment();
const ObjectValue = (probe.set('o', {}) as object).constructor as new (m: Map<string, unknown>) => RuntimeValue;
const UndefinedValue = probe.lookupVariable('-') as RuntimeValue & { hint?: string };
const UndefinedCtor = UndefinedValue.constructor as new () => RuntimeValue & { hint?: string };
type Ctor<T> = new (v: T) => RuntimeValue;
const StringValue = (probe.set('s', '') as object).constructor as Ctor<string>;
const BooleanValue = (probe.set('b', true) as object).constructor as Ctor<boolean>;
const IntegerValue = (probe.set('i', 1) as object).constructor as Ctor<number>;
const FloatValue = (probe.set('f', 1.5) as object).constructor as Ctor<number>;

/** Converts a drover value for the interpreter; Secrets give their text and taint the result. */
function toRuntime(v: unknown, taint: { secret: boolean }): RuntimeValue {
  if (v instanceof Undefined) {
    const u = new UndefinedCtor();
    u.hint = v.name;
    return u;
  }
  if (isSecret(v)) {
    taint.secret = true;
    return toRuntime(v.reveal(), taint);
  }
  // Its exact digits: `{{ big }}` writes them all. Arithmetic mixing it with a number throws (see renderTemplate).
  if (typeof v === 'bigint') return new IntegerValue(v as unknown as number);
  if (v instanceof IntegralFloat) return new FloatValue(v.value);
  if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Map)) {
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function' && !(Object.getPrototypeOf(v) === Object.prototype))
      return toRuntime(pyStr(v), taint);
    // Lazily: `hostvars` and big dicts are read one key at a time.
    return new ObjectValue(new LazyMap(v as Record<string, unknown>, taint));
  }
  if (Array.isArray(v)) return arrayOf(v, taint);
  if (typeof v === 'string') return new StringValue(v);
  if (typeof v === 'boolean') return new BooleanValue(v);
  if (typeof v === 'number') return Number.isInteger(v) ? new IntegerValue(v) : new FloatValue(v);
  return new Environment().set('v', v ?? null) as RuntimeValue;
}

function arrayOf(v: unknown[], taint: { secret: boolean }): RuntimeValue {
  const arr = new Environment().set('v', []) as RuntimeValue;
  (arr as { value: RuntimeValue[] }).value = v.map((x) => toRuntime(x, taint));
  return arr;
}

/** A dict seen by the interpreter: keys are read on demand, and never from Object.prototype. */
class LazyMap extends Map<string, unknown> {
  constructor(
    private readonly src: Record<string, unknown>,
    private readonly taint: { secret: boolean },
  ) {
    super();
  }
  override get(key: string): unknown {
    if (!Object.hasOwn(this.src, key)) return undefined;
    return toRuntime(this.src[key], this.taint);
  }
  override has(key: string): boolean {
    return Object.hasOwn(this.src, key);
  }
  override get size(): number {
    return Object.keys(this.src).length;
  }
  override *entries(): MapIterator<[string, unknown]> {
    for (const k of Object.keys(this.src)) yield [k, this.get(k)];
  }
  override [Symbol.iterator](): MapIterator<[string, unknown]> {
    return this.entries();
  }
  override *keys(): MapIterator<string> {
    yield* Object.keys(this.src);
  }
  override *values(): MapIterator<unknown> {
    for (const k of Object.keys(this.src)) yield this.get(k);
  }
}

/** A runtime value back as a drover value (Undefined kept, for filters that accept it). */
function fromRuntime(rv: RuntimeValue): unknown {
  switch (rv.type) {
    case 'UndefinedValue':
      return new Undefined((rv as { hint?: string }).hint ?? 'value');
    case 'ArrayValue':
    case 'TupleValue':
      return (rv.value as RuntimeValue[]).map(fromRuntime);
    case 'ObjectValue':
    case 'KeywordArgumentsValue': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of rv.value as Map<string, RuntimeValue>)
        Object.defineProperty(out, k, { value: fromRuntime(v), enumerable: true, writable: true, configurable: true });
      return out;
    }
    case 'FloatValue':
      // A whole float stays one (`{{ x | string }}` is "8.0", as in Jinja).
      return pyFloatValue(rv.value as number);
    default:
      return rv.value;
  }
}

/** Python's str() of a runtime value: a float keeps its `.0`. */
function runtimeText(rv: RuntimeValue): string {
  if (rv.type === 'FloatValue') return pyFloatRepr(rv.value as number);
  return pyStr(defined(fromRuntime(rv)));
}

class VarsEnvironment extends Environment {
  constructor(
    private readonly scope: Scope,
    private readonly taint: { secret: boolean },
  ) {
    super();
  }
  override lookupVariable(name: string): never {
    const literal: Record<string, unknown> = {
      true: true,
      false: false,
      none: null,
      True: true,
      False: false,
      None: null,
    };
    if (Object.hasOwn(literal, name)) return toRuntime(literal[name], this.taint) as never;
    return toRuntime(this.scope.lookup(name), this.taint) as never;
  }
}

/** An interpreter whose filters are drover's (template-filters.ts), with Jinja2's and Ansible's semantics. */
function interpreter(env: VarsEnvironment, taint: { secret: boolean }): Interpreter {
  const interp = new Interpreter(env);
  const self = interp as unknown as {
    evaluate(n: Node, e: Environment): RuntimeValue;
    applyFilter(operand: RuntimeValue, filter: Node, e: Environment): RuntimeValue;
    evaluateCallExpression(n: Node, e: Environment): RuntimeValue;
    evaluateMemberExpression(n: Node, e: Environment): RuntimeValue;
  };
  const member = self.evaluateMemberExpression.bind(interp);
  // A missing key names itself in the error (`'d.k' is undefined`), as Jinja's undefined does.
  self.evaluateMemberExpression = (n, e) => {
    const rv = member(n, e) as RuntimeValue & { hint?: string };
    if (rv.type === 'UndefinedValue' && !rv.hint) rv.hint = exprText(n);
    return rv;
  };
  self.applyFilter = (operand, filter, e) => {
    const call = filter.type === 'CallExpression';
    const name = String(call ? (filter.callee as Node).value : filter.value);
    const args: unknown[] = [];
    for (const a of call ? (filter.args as Node[]) : []) {
      // Keyword arguments in Jinja's order for the filters that take them (default(boolean=true), ...).
      const value = fromRuntime(self.evaluate(a.type === 'KeywordArgumentExpression' ? (a.value as Node) : a, e));
      args.push(value);
    }
    return toRuntime(FILTERS[name](fromRuntime(operand), ...args), taint);
  };
  self.evaluateCallExpression = (n, e) => {
    const callee = n.callee as Node;
    const target = defined(fromRuntime(self.evaluate(callee.object as Node, e)));
    const method = String((callee.property as Node).value);
    if (typeof target !== 'string')
      throw new TemplateError(
        `${method}() is a string method, called on a ${Array.isArray(target) ? 'list' : typeof target}`,
      );
    const args = (n.args as Node[]).map((a) => fromRuntime(self.evaluate(a, e)));
    return toRuntime(STRING_METHODS[method](target, ...args), taint);
  };
  return interp;
}

/**
 * Renders a template as Ansible 2.14 does (ansible_eval_concat): the text of each part, Python-style;
 * a result that reads as a Python list, dict or True/False becomes that value, anything else is text.
 * A result built from a Secret (or from a template that is one, `secret`) is a Secret (strings inside a list or dict too).
 */
export function renderTemplate(text: string, scope: Scope, secret = false): unknown {
  const body = compile(text);
  if (typeof body === 'string') throw new TemplateError(body);
  const taint = { secret };
  const env = new VarsEnvironment(scope, taint);
  const interp = interpreter(env, taint);
  const parts: string[] = [];
  for (const node of body) {
    if (node.type === 'Comment') continue;
    let rv: RuntimeValue;
    try {
      rv = interp.evaluate(node as never, env) as unknown as RuntimeValue;
    } catch (e) {
      let message = (e as Error).message;
      if (e instanceof TypeError && /BigInt/.test(message))
        message =
          'arithmetic on an integer past 2^53 is not supported (drover keeps its exact digits; Ansible computes with them)';
      // An error over secret values says what went wrong only when it names no value (an undefined var).
      if (taint.secret && !/^'[^']*' is undefined/.test(message))
        throw new TemplateError('rendering failed on a secret value (the detail is not shown, it may hold the value)');
      throw e instanceof TemplateError ? e : new TemplateError(message);
    }
    parts.push(runtimeText(rv));
  }
  const out = parts.join('');
  let value: unknown = out;
  if (/^[{[]/.test(out) || out === 'True' || out === 'False') {
    const lit = pythonLiteral(out);
    if (lit.ok) value = lit.value;
  }
  return taint.secret ? sealStrings(value) : value;
}

function sealStrings(v: unknown): unknown {
  if (typeof v === 'string') return new Secret(v);
  if (v instanceof IntegralFloat) return v;
  if (Array.isArray(v)) return v.map(sealStrings);
  if (v && typeof v === 'object' && !isSecret(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v))
      Object.defineProperty(out, k, {
        value: sealStrings((v as Record<string, unknown>)[k]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  }
  return v;
}
