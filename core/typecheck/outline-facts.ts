// `drover list`'s view of fact reads: which facts a `facts(host, ...)` call (drover/modules) asks for, from the syntax tree.
import type { CallExpression } from 'ts-morph';
import { loadTsMorph } from './project.ts';

/**
 * The fact names a call reads when it is a call of drover's `facts` (its type carries `factCatalog`):
 * the string-literal arguments (`facts(host, 'os', 'init')`), or the property read on the result
 * (`facts(host).os`); `['?']` when they are computed. undefined for any other call.
 */
export function factsRead(call: CallExpression): string[] | undefined {
  const { Node: N } = loadTsMorph();
  if (call.getExpression().getType().getProperty('factCatalog') === undefined) return undefined;
  const args = call.getArguments().slice(1);
  if (args.length > 0)
    return args.map((a) => {
      if (N.isStringLiteral(a) || N.isNoSubstitutionTemplateLiteral(a)) return a.getLiteralValue();
      // A const holding one name has that name as its type.
      const type = a.getType();
      return type.isStringLiteral() ? String(type.getLiteralValue()) : '?';
    });
  const parent = call.getParent();
  if (parent && N.isPropertyAccessExpression(parent) && parent.getExpression() === call) return [parent.getName()];
  return ['?'];
}
