// One run from start to recap: type-check, inventory, host selection, var checks, the play, exit code.
import fs from 'node:fs';
import path from 'node:path';
import { locatedMessage } from './callsite.ts';
import { connectHost, trustHostKeys } from '../transport/inventory-host.ts';
import { Interrupted, reportedFailure, rootCause, UsageError } from '../errors.ts';
import { EventBus, RedactingSink, type EventSink, type HostStats } from '../events.ts';
import { RunHost } from '../host.ts';
import {
  loadInventory,
  missingVars,
  playVars,
  selectHostsReport,
  type InventoryHost,
  type VaultKeyring,
} from '../inventory/index.ts';
import { PlayRunner, PlayStopped } from './play-runner.ts';
import { RunInterrupt } from './interrupt.ts';
import { isPlaybook, type Playbook } from '../playbook.ts';
import { createRenderer, type RendererKind } from '../render/index.ts';
import { StatsCollector } from '../render/recap.ts';
import { Secret, SecretSet, secretsIn } from '../secret.ts';
import { importTypeScript } from '../boot/ts-import.ts';
import { formatDiagnostic, typecheckPlaybook } from '../typecheck/index.ts';

export interface RunOptions {
  playbook: string;
  inventory: string;
  check?: boolean;
  diff?: boolean;
  /** --limit pattern, intersected with the playbook's hosts. */
  limit?: string;
  forks?: number;
  /** -e vars: override every other source. */
  extraVars?: Record<string, unknown>;
  /** Vault passwords (--vault-password-file, --ask-vault-pass, --vault-id) for encrypted inventory vars. */
  vault?: VaultKeyring;
  acceptNewHostKeys?: boolean;
  /** --phase NAME (repeatable): only these phases run. */
  phases?: string[];
  /** --start-at NAME: this phase and the later ones run. */
  startAt?: string;
  /** false with --no-typecheck. */
  typecheck?: boolean;
  verbose?: boolean;
  renderer?: RendererKind;
  /** Where output goes (default stdout); tests capture it. */
  write?: (text: string) => void;
  /** An extra sink (tests collect events). */
  sink?: EventSink;
  /** Aborted by the first Ctrl-C: critical sections (rolling batches) end, other hosts get one Interrupted. */
  signal?: AbortSignal;
  /** Aborted by the second Ctrl-C: stop at once, say what is left unfinished. */
  stopNow?: AbortSignal;
  /** sudo password asked at the prompt (-K), for hosts whose become password is 'prompt'. */
  becomePassword?: Secret;
  /** Asks for it when a selected host's become password is 'prompt' and none was given. */
  askBecomePassword?: () => Promise<Secret>;
  /** --reattach-budget: how long a lost link may stay lost while a detached command runs (ms). */
  reattachBudgetMs?: number;
  /**
   * Which changing commands run as jobs that outlive the connection: true (--detach) all, false
   * (--no-detach) none, undefined (default) those a module's apply runs (core/host.ts).
   */
  detach?: boolean;
  cwd?: string;
}

export const EXIT = { ok: 0, usage: 1, failed: 2, unreachable: 4, interrupted: 130 } as const;

/** Everything that can go wrong before a host is contacted; throws UsageError (exit 1). */
export async function prepareRun(o: RunOptions) {
  const cwd = o.cwd ?? process.cwd();
  const file = path.resolve(cwd, o.playbook);
  let required = { host: [] as string[], play: [] as string[] };
  if (o.typecheck !== false) {
    const tc = await typecheckPlaybook(file, { isolate: true });
    if (!tc.ok) {
      throw new UsageError(
        `type errors in ${path.relative(cwd, file)} — no host was contacted:\n\n` +
          tc.diagnostics.map(formatDiagnostic).join('\n\n'),
      );
    }
    required = { host: tc.requiredHostVars, play: tc.requiredPlayVars };
  }
  // group_vars/ and host_vars/ beside the playbook count too, as in ansible-playbook.
  const inventory = await loadInventory(o.inventory, {
    cwd,
    extraVars: o.extraVars,
    vault: o.vault,
    playbookDir: path.dirname(file),
  });
  const book = await importPlaybook(file);
  // Terms that matched no group and no host are warned about, as Ansible does (inventory helper).
  const { hosts, unmatched } = selectHostsReport(inventory, book.meta.hosts, o.limit, { cwd });
  if (hosts.length === 0) {
    throw new UsageError(
      `no hosts selected: hosts "${book.meta.hosts}"${o.limit ? ` with --limit "${o.limit}"` : ''} matched nothing in ${o.inventory}${unmatched.length ? ` (no group or host named ${unmatched.join(', ')})` : ''}`,
    );
  }
  const vars = playVars(inventory, book.meta.hosts);
  const selection = o.phases?.length || o.startAt !== undefined ? await choosePhases(file, o, cwd) : undefined;
  const problems: string[] = [];
  for (const h of hosts) {
    const missing = missingVars(h, required.host);
    if (missing.length) problems.push(`host ${h.name} lacks ${missing.join(', ')}`);
  }
  const missingPlay = required.play.filter((k) => vars[k] === undefined || vars[k] === null);
  if (missingPlay.length)
    problems.push(`play vars lack ${missingPlay.join(', ')} (set them in the inventory's vars or with -e)`);
  if (problems.length) {
    throw new UsageError(
      `${path.relative(cwd, file)} requires vars the inventory does not give:\n  ${problems.join('\n  ')}`,
    );
  }
  // With --limit, the play's other hosts stay reachable by name (play.host / play.on: the cluster master
  // while one node is maintained), never part of its phases over hosts.
  const selected = new Set(hosts.map((h) => h.name));
  const outside = o.limit
    ? selectHostsReport(inventory, book.meta.hosts, undefined, { cwd }).hosts.filter((h) => !selected.has(h.name))
    : [];
  return { file, book, inventory, hosts, vars, unmatched, selection, outside };
}

/** --phase / --start-at from the playbook's syntax tree (the same outline `drover list` prints). */
async function choosePhases(file: string, o: RunOptions, cwd: string) {
  const { outlinePlaybook } = await import('../typecheck/index.ts');
  const { selectPhases } = await import('../typecheck/phase-select.ts');
  return selectPhases(
    outlinePlaybook(file, { cwd }),
    { phases: o.phases, startAt: o.startAt },
    path.relative(cwd, file),
  );
}

async function importPlaybook(file: string): Promise<Playbook<Record<string, unknown>, Record<string, unknown>>> {
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`playbook not found: ${file}`);
  let mod: { default?: unknown };
  try {
    mod = await importTypeScript(file);
  } catch (err) {
    throw new UsageError(`cannot load playbook ${file}: ${(err as Error).message}`);
  }
  if (!isPlaybook(mod.default)) {
    throw new UsageError(`${file}: the default export must be playbook({ name, hosts }, async (play) => { ... })`);
  }
  return mod.default as Playbook<Record<string, unknown>, Record<string, unknown>>;
}

/** Runs a playbook; resolves to the exit code (0 ok, 2 a host failed, 4 a host unreachable, 130 interrupted). */
export async function runPlaybook(o: RunOptions): Promise<number> {
  const { book, inventory, hosts, vars, unmatched, selection, outside } = await prepareRun(o);
  if (
    !o.becomePassword &&
    o.askBecomePassword &&
    hosts.some((h) => h.connection.becomePassword && 'prompt' in h.connection.becomePassword)
  ) {
    o = { ...o, becomePassword: await o.askBecomePassword() };
  }
  const signal = o.signal ?? new AbortController().signal;
  const interrupt = new RunInterrupt(signal, o.stopNow ?? new AbortController().signal);
  const bus = new EventBus();
  const stats = new StatsCollector();
  bus.add(stats);
  bus.add(
    await createRenderer({ kind: o.renderer, diff: Boolean(o.diff), verbose: Boolean(o.verbose), write: o.write }),
  );
  if (o.sink) bus.add(o.sink);
  const secrets = runSecrets(o, [...hosts, ...outside], vars);
  // Every event below goes through `events`: secrets are masked before any renderer or sink sees them.
  const events = new RedactingSink(bus, secrets);
  const makeHost = (h: InventoryHost) =>
    new RunHost<Record<string, unknown>>({
      name: h.name,
      vars: h.vars,
      groups: h.groups,
      check: Boolean(o.check),
      events,
      secrets,
      signal: interrupt.waitSignal(h.name),
      interrupt,
      reattachBudgetMs: o.reattachBudgetMs,
      detach: o.detach,
      transport: (t) =>
        connectHost(h, {
          acceptNewHostKeys: Boolean(o.acceptNewHostKeys),
          becomePassword: o.becomePassword,
          timeoutMs: t?.timeoutMs,
        }),
      trustHostKeys: (target, keys) => trustHostKeys(inventory, target, keys),
    });
  const runHosts = hosts.map(makeHost);
  const outsideHosts = outside.map(makeHost);
  for (const term of unmatched)
    events.emit({ kind: 'warning', message: `Could not match supplied host pattern, ignoring: ${term}` });
  const started = performance.now();
  events.emit({
    kind: 'run-start',
    playbook: o.playbook,
    name: book.meta.name,
    hosts: runHosts.map((h) => h.name),
    check: Boolean(o.check),
  });
  const play = new PlayRunner({
    name: book.meta.name,
    check: Boolean(o.check),
    vars,
    hosts: runHosts,
    forks: o.forks ?? 10,
    events,
    signal,
    interrupt,
    outside: outsideHosts,
    skip: selection?.skip,
  });
  let bodyError: unknown;
  // The second Ctrl-C stops waiting for the body: what it left unfinished goes into the recap.
  let stopNow: (() => void) | undefined;
  const stoppedNow = new Promise<'now'>((resolve) => {
    stopNow = () => resolve('now');
    interrupt.now.addEventListener('abort', stopNow, { once: true });
  });
  const unfinished: string[] = [];
  try {
    const how = await Promise.race([book.body(play).then(() => 'done' as const), stoppedNow]);
    if (how === 'now') {
      for (const [host, phase] of play.atWork) unfinished.push(`${host}: stopped at once in "${phase}"`);
      events.emit({
        kind: 'play-stopped',
        reason: `stopped at once (second Ctrl-C)${unfinished.length ? `; left unfinished: ${unfinished.join('; ')}` : ''}`,
      });
    }
  } catch (err) {
    if (!(err instanceof PlayStopped) && !(rootCause(err) instanceof Interrupted)) bodyError = err;
  } finally {
    if (stopNow) interrupt.now.removeEventListener('abort', stopNow);
  }
  if (bodyError !== undefined) {
    const message = locatedMessage(bodyError, o.cwd);
    // A module's failure thrown out of the body (outside a phase) is its host's failure in the recap.
    const failedModule = reportedFailure(bodyError);
    events.emit({ kind: 'play-stopped', reason: `playbook error: ${message}`, ...(failedModule && { failedModule }) });
  }
  // Module failures no phase body settled (calls outside a phase) did not escape: they were handled.
  stats.settle();
  // After a second Ctrl-C a command may still be in flight: closing waits for nobody.
  const opened = [...runHosts, ...outsideHosts];
  if (interrupt.now.aborted) void Promise.all(opened.map((h) => h.close())).catch(() => undefined);
  else await Promise.all(opened.map((h) => h.close()));
  const never = [...play.notStarted, ...(interrupt.now.aborted ? play.rollingLeft : [])];
  const notStarted = never.length ? { notStarted: never } : {};
  const stateLines = [...play.stateLines, ...unfinished];
  events.emit({
    kind: 'recap',
    stats: stats.stats,
    ms: performance.now() - started,
    check: Boolean(o.check),
    interrupted: interrupt.requested,
    ...notStarted,
    ...(stateLines.length && { state: stateLines }),
    // Jobs Ctrl-C left running on their hosts (what, pid, where): each host's recap line says so.
    ...(interrupt.left.size && { stillRunning: Object.fromEntries(interrupt.left) }),
  });
  await events.end();
  return exitCode(stats.stats, interrupt.requested, bodyError !== undefined, play.phasesStarted > 0);
}

/**
 * The secrets known before anything runs: the -K password, each selected host's
 * ansible_become_password_env value, and every Secret in the hosts' and the play's vars.
 * Secrets in commands and file bodies join as modules use them (host.exec, registerSecrets).
 */
function runSecrets(o: RunOptions, hosts: readonly InventoryHost[], vars: Record<string, unknown>): SecretSet {
  const set = new SecretSet(secretsIn([hosts.map((h) => h.vars), vars]));
  if (o.becomePassword) set.add(o.becomePassword);
  for (const h of hosts) {
    const bp = h.connection.becomePassword;
    const value = bp && 'env' in bp ? process.env[bp.env] : undefined;
    if (value) set.add(new Secret(value));
  }
  return set;
}

/**
 * ansible-playbook's codes: unreachable (4) outranks failed (2). `failed` counts only failures that
 * escaped a host's body; rescued ones (caught, retried) leave the exit code 0.
 */
export function exitCode(
  stats: Record<string, HostStats>,
  interrupted: boolean,
  bodyFailed: boolean,
  touched: boolean,
): number {
  if (interrupted) return EXIT.interrupted;
  const all = Object.values(stats);
  if (all.some((s) => s.unreachable > 0)) return EXIT.unreachable;
  if (all.some((s) => s.failed > 0)) return EXIT.failed;
  if (bodyFailed) return touched ? EXIT.failed : EXIT.usage;
  return EXIT.ok;
}
