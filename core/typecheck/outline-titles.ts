// What a module call is called in an outline: the module's name behind the callee, and a title from literal params.
import type { CallExpression, Node } from 'ts-morph';
import { loadTsMorph } from './project.ts';

/** Param keys that best say what a module call is about, in order of preference. */
const TITLE_KEYS = [
  'path',
  'atoms',
  'name',
  'names',
  'package',
  'service',
  'dest',
  'device',
  'vg',
  'lv',
  'user',
  'group',
  'command',
  'cmd',
  'url',
  'key',
];
const TITLE_MAX = 60;

const clip = (s: string): string => (s.length > TITLE_MAX ? `${s.slice(0, TITLE_MAX - 1)}…` : s);

/** The callee resolved through import aliases. */
function calleeDeclaration(call: CallExpression): Node | undefined {
  const symbol = call.getExpression().getSymbol();
  const target = symbol?.isAlias() ? symbol.getAliasedSymbol() : symbol;
  return target?.getDeclarations()[0];
}

/** `defineModule({ name: 'x' })` behind the callee, through variables and `{ a, b }` namespace objects. */
export function moduleNameOf(call: CallExpression): string {
  const { Node: N } = loadTsMorph();
  let decl = calleeDeclaration(call);
  if (decl && N.isShorthandPropertyAssignment(decl)) decl = decl.getValueSymbol()?.getDeclarations()[0];
  const init =
    decl && (N.isVariableDeclaration(decl) || N.isPropertyAssignment(decl)) ? decl.getInitializer() : undefined;
  if (init && N.isCallExpression(init)) {
    const spec = init.getArguments()[0];
    const name = spec && N.isObjectLiteralExpression(spec) ? spec.getProperty('name') : undefined;
    const value = name && N.isPropertyAssignment(name) ? name.getInitializer() : undefined;
    if (value && (N.isStringLiteral(value) || N.isNoSubstitutionTemplateLiteral(value))) return value.getLiteralValue();
  }
  return call.getExpression().getText();
}

/** A literal-ish rendering of a param value, or undefined when it is computed. */
function literalText(value: Node | undefined): string | undefined {
  const { Node: N } = loadTsMorph();
  if (!value) return undefined;
  if (N.isStringLiteral(value) || N.isNoSubstitutionTemplateLiteral(value)) return value.getLiteralValue();
  if (N.isTemplateExpression(value)) return value.getText().slice(1, -1);
  if (N.isNumericLiteral(value)) return value.getText();
  // sh`...` params (command's cmd): the command as written is the best title there is.
  if (N.isTaggedTemplateExpression(value)) return value.getTemplate().getText().slice(1, -1);
  if (N.isArrayLiteralExpression(value)) {
    const parts = value.getElements().map(literalText);
    return parts.every((p) => p !== undefined) ? parts.join(' ') : undefined;
  }
  if (N.isAsExpression(value) || N.isSatisfiesExpression(value)) return literalText(value.getExpression());
  return undefined;
}

/** Title from the first object-literal argument (its most telling key, if literal), or a tagged template (sh`...`). */
export function titleOf(call: CallExpression): string {
  const { Node: N } = loadTsMorph();
  for (const arg of call.getArguments()) {
    if (N.isObjectLiteralExpression(arg)) {
      const props = arg
        .getProperties()
        .flatMap((p) =>
          N.isPropertyAssignment(p)
            ? [{ key: p.getName().replace(/^['"]|['"]$/g, ''), value: literalText(p.getInitializer()) }]
            : [],
        );
      // The most telling key decides, even when computed (then no title): `mode: '0600'` must not pass for a path.
      const preferred = TITLE_KEYS.map((k) => props.find((p) => p.key === k)).find((p) => p !== undefined);
      const best = preferred ?? props.find((p) => p.value !== undefined && p.value !== '');
      return best?.value ? clip(best.value) : '';
    }
    if (N.isTaggedTemplateExpression(arg)) return clip(literalText(arg)!);
  }
  return '';
}
