// gnt.master: make the host it runs on the cluster's master (gnt-cluster master-failover there); nothing when it already is.
import { defineModule, type Apply, type Plan, type Result } from '../../core/module.ts';
import { sh } from '../../core/sh.ts';
import { gntFacts, type GntFacts } from './gnt-facts.ts';
import { halfInitialised, notInitialised, notInstalled, refuse } from './gnt-plan.ts';

/** Params of {@link gnt.master}: the host it runs on becomes the master (Ganeti's own rule: master-failover runs on the new master). */
export interface MasterParams {
  /** false: only report where the master is (`master` in the result), from any node of the cluster; never a change. Default true. */
  takeOver?: boolean;
}

export interface MasterResult extends Result {
  /** The master after the call (before it in --check). */
  master: string;
  /** The master before the call. */
  previous: string;
}

/**
 * The master must be up: with the old master dead, Ganeti needs `master-failover --no-voting`, which
 * can split the cluster; drover leaves that decision to a person.
 */
const FAILOVER = sh`gnt-cluster master-failover`;

/** The whole decision (pure): nothing on the master, master-failover on another node of the cluster. */
export function masterPlan(p: MasterParams, f: GntFacts<true>): Plan<MasterResult> {
  if (f.state === 'broken') throw halfInitialised(f);
  if (p.takeOver === false) {
    if (f.state !== 'up' && f.state !== 'not-master')
      throw f.state === 'none' ? notInitialised('gnt-cluster getmaster') : notInstalled('gnt-cluster getmaster');
    return { result: { changed: false, master: f.master, previous: f.master, message: `master: ${f.master}` } };
  }
  if (f.state === 'none' || f.state === 'not-installed') {
    const cannot =
      f.state === 'none' ? notInitialised('gnt-cluster master-failover') : notInstalled('gnt-cluster master-failover');
    return {
      result: {
        changed: true,
        master: '',
        previous: '',
        message: `would run: ${FAILOVER.display} (the cluster is not initialised yet)`,
      },
      apply: refuse(cannot),
    };
  }
  if (f.state === 'up') return { result: { changed: false, master: f.master, previous: f.master } };
  return {
    result: {
      changed: true,
      master: f.master,
      previous: f.master,
      message: `would take the master role from ${f.master}`,
      detail: FAILOVER.display,
    },
    apply: failover(f.master, f.self),
  };
}

/** Runs master-failover here, then checks this host is now the master (Ganeti exits 0 without saying). */
function failover(previous: string, self: string): Apply<MasterResult> {
  return async (host) => {
    await host.exec(FAILOVER, { progress: true });
    // This host as Ganeti may name it: `hostname` or its FQDN (as the probe compares).
    const [now = '', ...names] = (
      await host.exec(sh`gnt-cluster getmaster && hostname && { hostname -f 2>/dev/null || true; }`, { readOnly: true })
    ).stdout
      .trim()
      .split('\n');
    if (!names.includes(now))
      throw new Error(`gnt-cluster master-failover exited 0 but the master is ${now}, not ${self}`);
    return { master: now, message: `took the master role from ${previous}` };
  };
}

export const master = defineModule<MasterParams, GntFacts<true>, MasterResult>({
  name: 'gnt.master',
  title: (p) => (p.takeOver === false ? 'gnt master (where is it)' : 'gnt master (this node)'),
  validate: (p) => {
    if (p.takeOver !== undefined && typeof p.takeOver !== 'boolean') throw new Error('takeOver must be true or false');
  },
  // No query: the probe's own getmaster says who the master is.
  facts: gntFacts(
    () => sh`:`,
    () => true as const,
  ),
  plan: masterPlan,
});
