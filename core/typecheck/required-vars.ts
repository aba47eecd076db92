// Reads H and P of the playbook's default export (Playbook<H, P>) and lists their non-optional fields.
import type { Node, SourceFile, Symbol as TsSymbol, Type } from 'ts-morph';
import { loadTsMorph } from './project.ts';

export interface RequiredVars {
  /** Non-optional fields of H: every selected host must have them. */
  host: string[];
  /** Non-optional fields of P: the play vars must have them. */
  play: string[];
}

/** The node and type of `export default …`, or undefined when the file has no default export. */
export function defaultExport(sf: SourceFile): { node: Node; type: Type } | undefined {
  const { Node } = loadTsMorph();
  const assignment = sf.getExportAssignment((e) => !e.isExportEquals());
  if (assignment) return { node: assignment.getExpression(), type: assignment.getExpression().getType() };
  const symbol = sf.getDefaultExportSymbol();
  const decl = (symbol?.getAliasedSymbol() ?? symbol)?.getDeclarations()[0];
  if (!decl) return undefined;
  if (Node.isExportAssignment(decl)) return { node: decl.getExpression(), type: decl.getExpression().getType() };
  return { node: decl, type: decl.getType() };
}

function isRequired(prop: TsSymbol, at: Node): boolean {
  const { ts } = loadTsMorph();
  if ((prop.getFlags() & ts.SymbolFlags.Optional) !== 0) return false;
  const type = prop.getTypeAtLocation(at);
  const parts = type.isUnion() ? type.getUnionTypes() : [type];
  return !parts.some((t) => t.isUndefined() || (t.getFlags() & ts.TypeFlags.Void) !== 0);
}

function requiredNames(type: Type, at: Node): string[] {
  return type
    .getProperties()
    .filter((p) => isRequired(p, at))
    .map((p) => p.getName());
}

/**
 * H and P are found structurally (body's `play` parameter: `play.vars` is P, `play.host()` returns a
 * Host whose `vars` is H), so aliases, intersections and a default export through a variable all work.
 * Undefined when the default export is not a drover Playbook.
 */
export function requiredVars(sf: SourceFile): RequiredVars | undefined {
  const found = defaultExport(sf);
  if (!found) return undefined;
  const { node, type } = found;
  if (!type.getProperty('kind') || !type.getProperty('body')) return undefined;
  const body = type.getPropertyOrThrow('body').getTypeAtLocation(node);
  const playParam = body.getCallSignatures()[0]?.getParameters()[0];
  if (!playParam) return undefined;
  const play = playParam.getTypeAtLocation(node);
  const playVars = play.getProperty('vars')?.getTypeAtLocation(node);
  const host = play.getProperty('host')?.getTypeAtLocation(node).getCallSignatures()[0]?.getReturnType();
  const hostVars = host?.getProperty('vars')?.getTypeAtLocation(node);
  if (!playVars || !hostVars) return undefined;
  return { host: requiredNames(hostVars, node), play: requiredNames(playVars, node) };
}
