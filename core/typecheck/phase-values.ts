// Which phases produce values that later code reads: `const x = await play.on(...)` and who reads x (for --phase/--start-at and `drover list`).
import path from 'node:path';
import type { Node, Symbol as TsSymbol } from 'ts-morph';
import type { PhaseOutline, ProducedValue } from './outline-types.ts';
import { phaseNode } from './phase-nodes.ts';
import { loadTsMorph } from './project.ts';

/** The variables a phase call's result is stored in: `const x = await play.on(...)`, `const { a } = ...`, `x = await ...`. */
function boundSymbols(call: Node): { name: string; symbol: TsSymbol; node: Node }[] {
  const { Node: N } = loadTsMorph();
  let n: Node = call;
  let parent = n.getParent();
  while (
    parent &&
    (N.isAwaitExpression(parent) ||
      N.isParenthesizedExpression(parent) ||
      N.isAsExpression(parent) ||
      N.isNonNullExpression(parent) ||
      N.isSatisfiesExpression(parent))
  ) {
    n = parent;
    parent = n.getParent();
  }
  if (!parent) return [];
  let target: Node | undefined;
  if (N.isVariableDeclaration(parent) && parent.getInitializer() === n) target = parent.getNameNode();
  else if (N.isBinaryExpression(parent) && parent.getRight() === n && parent.getOperatorToken().getText() === '=')
    target = parent.getLeft();
  if (!target) return [];
  return namesIn(target);
}

/** Identifiers a binding name (or assignment target) introduces: `x`, `{ a, b: c }`, `[d, ...e]`. */
function namesIn(target: Node): { name: string; symbol: TsSymbol; node: Node }[] {
  const { Node: N } = loadTsMorph();
  if (N.isIdentifier(target)) {
    const symbol = target.getSymbol();
    return symbol ? [{ name: target.getText(), symbol, node: target }] : [];
  }
  const out: { name: string; symbol: TsSymbol; node: Node }[] = [];
  target.forEachDescendant((d) => {
    if (N.isBindingElement(d)) {
      const nameNode = d.getNameNode();
      if (N.isIdentifier(nameNode)) {
        const symbol = nameNode.getSymbol();
        if (symbol) out.push({ name: nameNode.getText(), symbol, node: nameNode });
      }
    }
  });
  return out;
}

/** The symbol an identifier reads (for `{ x }` in an object literal: the variable, not the property). */
function readSymbol(id: Node): TsSymbol | undefined {
  const { Node: N } = loadTsMorph();
  const parent = id.getParent();
  if (parent && N.isShorthandPropertyAssignment(parent) && parent.getNameNode() === id) return parent.getValueSymbol();
  return id.getSymbol();
}

/**
 * Adds `produces` to each top-level phase whose result lands in a variable read later. A read inside
 * another phase's call (its target, its callback) counts for that phase (for a phase inside a rolling
 * phase: the rolling phase); a read in `const y = f(x)` outside phases makes y carry x's origin; any
 * other read outside phases counts as "outside any phase" (it runs whatever is selected).
 */
export function addProducedValues(body: Node, phases: PhaseOutline[], cwd: string): void {
  const { Node: N, SyntaxKind } = loadTsMorph();
  const nodes = phases
    .map((p) => ({ p, node: phaseNode(p) }))
    .filter((x): x is { p: PhaseOutline; node: NonNullable<typeof x.node> } => x.node !== undefined);
  const topName = (p: PhaseOutline) => p.parent ?? p.name;
  const where = (n: Node) => {
    const rel = path.relative(cwd, n.getSourceFile().getFilePath());
    return { file: rel.startsWith('..') ? n.getSourceFile().getFilePath() : rel, line: n.getStartLineNumber() };
  };
  /** The outermost phase call containing n (a rolling phase contains its batch's phases). */
  const phaseAt = (n: Node): PhaseOutline | undefined => {
    let found: PhaseOutline | undefined;
    for (const { p, node } of nodes)
      if (
        node.getSourceFile() === n.getSourceFile() &&
        node.getPos() <= n.getPos() &&
        n.getEnd() <= node.getEnd() &&
        (!found || p.parent === undefined)
      )
        found = p;
    return found;
  };
  const identifiers = body.getDescendantsOfKind(SyntaxKind.Identifier);
  for (const { p, node } of nodes) {
    if (p.parent !== undefined) continue;
    const produced: ProducedValue[] = [];
    for (const bound of boundSymbols(node)) {
      const value: ProducedValue = { variable: bound.name, ...where(bound.node), usedBy: [] };
      const seen = new Set<TsSymbol>([bound.symbol]);
      const work = [bound.symbol];
      while (work.length) {
        const sym = work.pop()!;
        for (const id of identifiers) {
          if (
            readSymbol(id) !== sym ||
            id === bound.node ||
            sym.getDeclarations().some((d) => N.isVariableDeclaration(d) && d.getNameNode() === id) ||
            N.isBindingElement(id.getParent())
          )
            continue;
          const inPhase = phaseAt(id);
          if (inPhase) {
            if (topName(inPhase) !== p.name) value.usedBy.push({ phase: topName(inPhase), ...where(id) });
            continue;
          }
          const decl = id.getFirstAncestor((a) => N.isVariableDeclaration(a));
          if (decl && N.isVariableDeclaration(decl)) {
            // `const y = f(x)`: y carries x's origin; its readers are x's readers.
            for (const b of namesIn(decl.getNameNode())) {
              if (!seen.has(b.symbol)) {
                seen.add(b.symbol);
                work.push(b.symbol);
              }
            }
            continue;
          }
          value.usedBy.push({ phase: null, ...where(id) });
        }
      }
      if (value.usedBy.length) produced.push(value);
    }
    if (produced.length) p.produces = produced;
  }
}
