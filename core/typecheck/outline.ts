// outlinePlaybook: the phases of a playbook and the module calls in each, read from the source (nothing runs).
import fs from 'node:fs';
import path from 'node:path';
import type { CallExpression, Node, SourceFile } from 'ts-morph';
import { UsageError } from '../errors.ts';
import { recordPhaseNode } from './phase-nodes.ts';
import { addProducedValues } from './phase-values.ts';
import { factsRead } from './outline-facts.ts';
import { outlineCacheDir, outlineKey, readOutline, writeOutline, type OutlineCacheOptions } from './outline-cache.ts';
import { createPlaybookProject, isUnderNodeModules, loadTsMorph, programFileHashes } from './project.ts';

import type { ModuleCallOutline, OutlineItem, PhaseOutline, RollingOutline } from './outline-types.ts';
import { moduleNameOf, titleOf } from './outline-titles.ts';

/** Index of the name argument of each phase method. */
const PHASE_METHODS = { each: 0, on: 1, onEach: 1, rolling: 0 } as const;
type PhaseMethod = keyof typeof PHASE_METHODS;

interface Walk {
  cwd: string;
  phase: PhaseOutline | null;
  /** Conditions are measured up to this node (the phase callback, the helper, or the playbook body). */
  root: Node;
  via: ModuleCallOutline['via'];
  /** The helper call itself was conditional. */
  baseConditional: boolean;
  items: OutlineItem[];
  /** The playbook body's first parameter (whatever it is named), and a rolling phase's batch parameter inside it. */
  playSymbols: unknown[];
  /** Inside a rolling phase: its name. */
  parent?: string;
}

const where = (node: Node, cwd: string): { file: string; line: number } => {
  const rel = path.relative(cwd, node.getSourceFile().getFilePath());
  return { file: rel.startsWith('..') ? node.getSourceFile().getFilePath() : rel, line: node.getStartLineNumber() };
};

/** True when `node` may run zero or several times relative to `root`. */
export function isConditional(node: Node, root: Node): boolean {
  const { Node: N, SyntaxKind } = loadTsMorph();
  let child = node;
  for (let parent = node.getParent(); parent && child !== root; child = parent, parent = parent.getParent()) {
    if (parent === root) break;
    if (N.isIfStatement(parent) && child !== parent.getExpression()) return true;
    if (N.isConditionalExpression(parent) && child !== parent.getCondition()) return true;
    if (N.isBinaryExpression(parent) && child === parent.getRight()) {
      const op = parent.getOperatorToken().getKind();
      const shortCircuit = [
        SyntaxKind.AmpersandAmpersandToken,
        SyntaxKind.BarBarToken,
        SyntaxKind.QuestionQuestionToken,
        SyntaxKind.AmpersandAmpersandEqualsToken,
        SyntaxKind.BarBarEqualsToken,
        SyntaxKind.QuestionQuestionEqualsToken,
      ];
      if (shortCircuit.includes(op)) return true;
    }
    if (N.isCaseClause(parent) || N.isDefaultClause(parent) || N.isCatchClause(parent)) return true;
    if ((N.isForOfStatement(parent) || N.isForInStatement(parent)) && child !== parent.getExpression()) return true;
    if (N.isForStatement(parent) && child !== parent.getInitializer()) return true;
    if (N.isWhileStatement(parent) || N.isDoStatement(parent)) return true;
    // A nested callback (map, forEach, notify handler): the outline cannot know how often it runs.
    if (
      N.isArrowFunction(parent) ||
      N.isFunctionExpression(parent) ||
      N.isFunctionDeclaration(parent) ||
      N.isMethodDeclaration(parent)
    )
      return true;
  }
  return false;
}

/** The callee's type carries `moduleName`: a function made by defineModule. */
function isModuleCall(call: CallExpression): boolean {
  return call.getExpression().getType().getProperty('moduleName') !== undefined;
}

type FunctionLike =
  | import('ts-morph').FunctionDeclaration
  | import('ts-morph').ArrowFunction
  | import('ts-morph').FunctionExpression;

/** A function with a body declared in the project (not node_modules, not a .d.ts) that `node` refers to. */
function localFunction(node: Node): FunctionLike | undefined {
  const { Node: N } = loadTsMorph();
  const symbol = node.getSymbol();
  let decl = (symbol?.isAlias() ? symbol.getAliasedSymbol() : symbol)?.getDeclarations()[0];
  if (decl && N.isVariableDeclaration(decl)) decl = decl.getInitializer();
  if (!decl || !(N.isFunctionDeclaration(decl) || N.isArrowFunction(decl) || N.isFunctionExpression(decl)))
    return undefined;
  const sf = decl.getSourceFile();
  if (sf.isDeclarationFile() || isUnderNodeModules(sf.getFilePath()) || !decl.getBody()) return undefined;
  return decl;
}

function phaseCall(call: CallExpression, w: Walk): PhaseMethod | undefined {
  const { Node: N } = loadTsMorph();
  const callee = call.getExpression();
  // Phases are seen in the body and in a local helper the body passes the play to (one level), not inside another phase.
  if (!N.isPropertyAccessExpression(callee) || (w.via !== null && w.phase !== null)) return undefined;
  const method = callee.getName();
  if (!(method in PHASE_METHODS)) return undefined;
  const receiver = callee.getExpression();
  if (method === 'rolling' && w.parent !== undefined) return undefined;
  return N.isIdentifier(receiver) && w.playSymbols.includes(receiver.getSymbol()) ? (method as PhaseMethod) : undefined;
}

/** Literal batch sizes and budget of `play.rolling(name, { batch, maxFailed }, fn)`, else null. */
function rollingOf(call: CallExpression): RollingOutline {
  const { Node: N } = loadTsMorph();
  const opts = call.getArguments()[1];
  const prop = (k: string) => {
    const p = opts && N.isObjectLiteralExpression(opts) ? opts.getProperty(k) : undefined;
    return p && N.isPropertyAssignment(p) ? p.getInitializer() : undefined;
  };
  const batch = prop('batch');
  const maxFailed = prop('maxFailed');
  const lit = (n: Node | undefined): unknown => {
    if (!n) return undefined;
    if (N.isNumericLiteral(n)) return Number(n.getLiteralValue());
    if (N.isStringLiteral(n) || N.isNoSubstitutionTemplateLiteral(n)) return n.getLiteralValue();
    if (N.isAsExpression(n) || N.isSatisfiesExpression(n)) return lit(n.getExpression());
    if (N.isArrayLiteralExpression(n)) {
      const xs = n.getElements().map(lit);
      return xs.every((x) => x !== undefined) ? xs : undefined;
    }
    if (N.isObjectLiteralExpression(n)) {
      const out: Record<string, unknown> = {};
      for (const p of n.getProperties()) {
        if (!N.isPropertyAssignment(p)) return undefined;
        const v = lit(p.getInitializer());
        if (v === undefined) return undefined;
        out[p.getName()] = v;
      }
      return out;
    }
    return undefined;
  };
  const b = lit(batch);
  const m = lit(maxFailed);
  return {
    batch: batch?.getText() ?? '',
    maxFailed: maxFailed?.getText() ?? null,
    batchValue: (b ?? null) as RollingOutline['batchValue'],
    ...(maxFailed !== undefined && { maxFailedValue: (m ?? null) as RollingOutline['maxFailedValue'] }),
  };
}

function visitPhase(call: CallExpression, method: PhaseMethod, w: Walk): void {
  const { Node: N } = loadTsMorph();
  const args = call.getArguments();
  const nameArg = args[PHASE_METHODS[method]];
  const name =
    nameArg && (N.isStringLiteral(nameArg) || N.isNoSubstitutionTemplateLiteral(nameArg))
      ? nameArg.getLiteralValue()
      : (nameArg?.getText() ?? '');
  const phase: PhaseOutline = {
    kind: 'phase',
    method,
    name,
    target: method === 'each' || method === 'rolling' ? null : (args[0]?.getText() ?? null),
    ...where(call, w.cwd),
    conditional: w.baseConditional || isConditional(call, w.root),
    calls: [],
    ...(w.parent !== undefined && { parent: w.parent }),
    ...(w.via !== null && { via: w.via }),
    ...(method === 'rolling' && { rolling: rollingOf(call) }),
  };
  recordPhaseNode(phase, call);
  w.items.push(phase);
  const fnArg = args[args.length - 1];
  for (const arg of args.slice(0, -1)) visit(arg, w);
  if (!fnArg) return;
  if (method === 'rolling') {
    // The batch's phases are phases of their own (marked with this parent), run on the batch parameter.
    if (N.isArrowFunction(fnArg) || N.isFunctionExpression(fnArg)) {
      const batchSymbol = fnArg.getParameters()[0]?.getNameNode().getSymbol();
      visit(fnArg.getBody(), {
        ...w,
        phase: null,
        root: fnArg,
        baseConditional: false,
        parent: name,
        playSymbols: [...w.playSymbols, batchSymbol],
      });
    }
    return;
  }
  if (N.isArrowFunction(fnArg) || N.isFunctionExpression(fnArg)) {
    visit(fnArg.getBody(), { ...w, phase, root: fnArg, baseConditional: false });
    return;
  }
  // `play.each('X', prepareHost)`: the phase body is a named local function.
  const fn = localFunction(fnArg);
  if (fn)
    visit(fn.getBody()!, {
      ...w,
      phase,
      root: fn,
      baseConditional: false,
      via: { fn: fnArg.getText(), ...where(fnArg, w.cwd) },
    });
}

function visit(node: Node, w: Walk): void {
  const { Node: N } = loadTsMorph();
  // Declared functions run when called: they are followed from their call sites instead.
  if (N.isFunctionDeclaration(node)) return;
  if ((N.isArrowFunction(node) || N.isFunctionExpression(node)) && N.isVariableDeclaration(node.getParent())) return;
  if (N.isCallExpression(node)) {
    const method = phaseCall(node, w);
    if (method) return visitPhase(node, method, w);
    // A fact read is listed as a call of `facts` titled with the names it asks for (`facts os, init`).
    const facts = factsRead(node);
    if (facts || isModuleCall(node)) {
      const call: ModuleCallOutline = {
        kind: 'module-call',
        module: facts ? 'facts' : moduleNameOf(node),
        title: facts ? facts.join(', ') : titleOf(node),
        ...where(node, w.cwd),
        conditional: w.baseConditional || isConditional(node, w.root),
        via: w.via,
        phase: w.phase?.name ?? null,
      };
      (w.phase ? w.phase.calls : w.items).push(call);
    } else if (w.via === null) {
      // One level into local helpers: enough for `prepareNode(host)`, and no risk of runaway recursion.
      const fn = localFunction(node.getExpression());
      if (fn && fn !== w.root) {
        // `setup(play)`: the helper's parameter is the play there, so its phases are phases.
        const passed = node
          .getArguments()
          .flatMap((a, i) =>
            N.isIdentifier(a) && w.playSymbols.includes(a.getSymbol())
              ? [fn.getParameters()[i]?.getNameNode().getSymbol()]
              : [],
          );
        visit(fn.getBody()!, {
          ...w,
          playSymbols: [...w.playSymbols, ...passed],
          root: fn,
          baseConditional: w.baseConditional || isConditional(node, w.root),
          via: { fn: node.getExpression().getText(), ...where(node, w.cwd) },
        });
      }
    }
  }
  node.forEachChild((child) => visit(child, w));
}

/** Bodies of the playbook(...) calls in the file: calls whose result is a drover Playbook. */
function playbookBodies(sf: SourceFile): FunctionLike[] {
  const { Node: N, SyntaxKind } = loadTsMorph();
  const bodies: FunctionLike[] = [];
  for (const call of sf.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const kind = call.getReturnType().getProperty('kind');
    if (kind?.getTypeAtLocation(call).getLiteralValue() !== 'drover-playbook') continue;
    const last = call.getArguments().at(-1);
    if (last && (N.isArrowFunction(last) || N.isFunctionExpression(last))) bodies.push(last);
    else if (last) {
      const fn = localFunction(last);
      if (fn) bodies.push(fn);
    }
  }
  return bodies;
}

/**
 * The playbook's phases (play.each / play.on / play.onEach on the body's first parameter) in source
 * order, each with the module calls its callback makes, following local helpers one level deep;
 * plus module calls outside any phase. Static: the playbook is parsed and type-checked, never run.
 */
export function outlinePlaybook(file: string, opts: { cwd?: string } & OutlineCacheOptions = {}): OutlineItem[] {
  const cwd = opts.cwd ?? process.cwd();
  const abs = path.resolve(cwd, file);
  if (!fs.statSync(abs, { throwIfNoEntry: false })?.isFile())
    throw new UsageError(`playbook not found: ${file} (looked at ${abs})`);
  // Cached by content like the type check: an unchanged playbook costs an import walk, not ts-morph (~2 s of CPU).
  if (opts.cache === false) return outlineOf(createPlaybookProject(abs).playbook, cwd);
  const dir = outlineCacheDir(opts);
  const { key, known } = outlineKey(abs, cwd);
  const hit = readOutline(dir, abs, key, known);
  if (hit) return hit;
  const { playbook, program } = createPlaybookProject(abs);
  const items = outlineOf(playbook, cwd);
  writeOutline(dir, abs, key, programFileHashes(program), items);
  return items;
}

function outlineOf(playbook: SourceFile, cwd: string): OutlineItem[] {
  const items: OutlineItem[] = [];
  for (const body of playbookBodies(playbook)) {
    const playParam = body.getParameters()[0];
    const walk: Walk = {
      cwd,
      phase: null,
      root: body,
      via: null,
      baseConditional: false,
      items,
      playSymbols: [playParam?.getNameNode().getSymbol()],
    };
    const first = items.length;
    visit(body.getBody()!, walk);
    addProducedValues(
      body,
      items.slice(first).filter((i): i is PhaseOutline => i.kind === 'phase'),
      cwd,
    );
  }
  return items;
}
