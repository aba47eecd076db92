// The playbook API: a typed function over a play, with phases that run across hosts in parallel.
import type { Host } from './host.ts';
import type { BatchInfo, RollingOptions } from './engine/rolling.ts';

export type { BatchInfo, BatchSize, MaxFailed, RollingOptions } from './engine/rolling.ts';

export interface PlaybookMeta {
  /** Shown in the progress view and the recap. */
  name: string;
  /** Host pattern, as in Ansible: `group`, `web*`, `a:b`, `a:&b`, `a:!b`. */
  hosts: string;
}

/**
 * What a playbook body receives. H is the type of each host's vars; P the type of play-wide vars
 * (the `all` group's vars, the vars of the groups named in `hosts`, and `-e` extra vars).
 */
export interface Play<H, P> {
  readonly name: string;
  /** --check: nothing will change. */
  readonly check: boolean;
  /** Play-wide vars (see README: precedence). */
  readonly vars: P;
  /** The hosts still in the play (selected, not failed, not unreachable), in inventory order. */
  readonly hosts: readonly Host<H>[];
  /** A selected host by inventory name; throws a clear error for a name that is not selected. */
  host(name: string): Host<H>;
  /**
   * True once Ctrl-C was pressed. A rolling batch runs to its end after the first Ctrl-C (nothing is
   * refused in it): it reads this to roll back instead of going on. See docs/cli.md (Ctrl-C).
   */
  readonly stopping: boolean;
  /**
   * What the play says about the systems it manages (a cluster's drained nodes, where its master is),
   * shown after the recap and in the JSON recap (`state`); the last call wins. For a run cut short.
   */
  state(lines: readonly string[]): void;
  /**
   * A phase on every host still in play, in parallel (bounded by --forks); waits for all.
   * A host whose fn throws is reported failed (or unreachable) and leaves the later phases.
   * Returns each surviving host's value by host name.
   */
  each<T>(name: string, fn: (host: Host<H>) => Promise<T>, options?: PhaseOptions): Promise<Map<string, T>>;
  /**
   * A phase on one chosen host (the cluster master). If that host has left the play, or fails here,
   * the play stops: later phases would depend on its result.
   */
  on<T>(target: Host<H> | string, name: string, fn: (host: Host<H>) => Promise<T>): Promise<T>;
  /** A phase on several chosen hosts, in parallel; like `each` for a subset. */
  onEach<T>(
    targets: readonly (Host<H> | string)[],
    name: string,
    fn: (host: Host<H>) => Promise<T>,
    options?: PhaseOptions,
  ): Promise<Map<string, T>>;
  /**
   * A rolling phase: the hosts still in play, in batches (`batch: 1 | '25%' | [1, 2, '50%']`), one
   * batch after the other. `fn` gets a play limited to the batch (its `each` runs on the batch's hosts;
   * `on` may still target any host, the master that drains a node) and runs to the end before the
   * next batch starts. Before each batch and after the last, the hosts lost in the whole play (failed
   * or unreachable, earlier phases included) are counted: more than `maxFailed` allows (default 0)
   * and no new batch starts, the hosts never started are reported as such, and the play stops.
   */
  rolling(
    name: string,
    options: RollingOptions,
    fn: (batch: Play<H, P>, info: BatchInfo) => Promise<void>,
  ): Promise<void>;
}

/** Options of a phase over several hosts. */
export interface PhaseOptions {
  /** At most this many hosts at work at once in this phase (a whole number >= 1; --forks still caps it). */
  throttle?: number;
}

export type PlaybookBody<H, P> = (play: Play<H, P>) => Promise<void>;

/** A loaded playbook: what `export default playbook(...)` produces. */
export interface Playbook<H = Record<string, unknown>, P = Record<string, unknown>> {
  readonly kind: 'drover-playbook';
  readonly meta: PlaybookMeta;
  readonly body: PlaybookBody<H, P>;
}

/**
 * Declares a playbook. The type arguments are the contract with the inventory: drover checks before
 * any host is contacted that every selected host has each non-optional field of H, and that the
 * play vars have each non-optional field of P.
 *
 *     export default playbook<NodeVars, ClusterVars>({ name: 'Ganeti', hosts: 'ganeti' }, async (play) => { ... })
 */
export function playbook<H extends object = Record<string, unknown>, P extends object = Record<string, unknown>>(
  meta: PlaybookMeta,
  body: PlaybookBody<H, P>,
): Playbook<H, P> {
  if (!meta || typeof meta.name !== 'string' || typeof meta.hosts !== 'string') {
    throw new TypeError('playbook({ name, hosts }, body): name and hosts must be strings');
  }
  if (typeof body !== 'function') throw new TypeError('playbook(meta, body): body must be an async function');
  return { kind: 'drover-playbook', meta, body };
}

export function isPlaybook(x: unknown): x is Playbook<unknown, unknown> {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'drover-playbook';
}
