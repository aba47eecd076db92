// emergeWorld module: the admin's routine world update (`emerge --update --deep --newuse @world`), summarised from
// Portage's own plan, refused on blockers or skipped updates, honest in --check; failures explained like emerge's.
import { defineModule, type Plan, type Result } from '../../core/module.ts';
import { sh } from '../../core/sh.ts';
import { skippedUpdates } from './emerge-failure.ts';
import { runEmerge } from './emerge-run.ts';
import { emergeFailureReason, parseEmergePlan, renderPlan, type EmergePlan } from './emerge-pretend.ts';

export interface EmergeWorldParams {
  /** `--newuse` (default true): rebuild packages whose USE or IUSE changed. */
  newuse?: boolean;
  /** `--with-bdeps=y` (default false): update build-time dependencies too. */
  withBdeps?: boolean;
}

export interface EmergeWorldResult extends Result {
  /** Counts from Portage's plan. */
  summary: WorldSummary;
  plan?: EmergePlan;
}

export interface WorldSummary {
  upgrades: number;
  downgrades: number;
  rebuilds: number;
  new: number;
  /** Packages Portage would uninstall as part of the plan (`[uninstall ...]`, blocker resolution). */
  removals: number;
}

interface WorldFacts {
  pretend: { command: string; code: number; stdout: string; stderr: string };
}

function flagsOf(p: EmergeWorldParams, pretend: boolean): string[] {
  return [
    ...(pretend ? ['--pretend', '--verbose'] : ['--quiet']),
    '--update',
    '--deep',
    ...(p.newuse === false ? [] : ['--newuse']),
    ...(p.withBdeps ? ['--with-bdeps=y'] : []),
  ];
}

/** Counts of Portage's plan by what it does (pure). */
export function summarise(plan: EmergePlan): WorldSummary {
  const s: WorldSummary = { upgrades: 0, downgrades: 0, rebuilds: 0, new: 0, removals: 0 };
  for (const e of plan.entries) {
    if (e.action === 'update') s.upgrades++;
    else if (e.action === 'downgrade') s.downgrades++;
    else if (e.action === 'rebuild') s.rebuilds++;
    else if (e.action === 'new' || e.action === 'new-slot') s.new++;
    else if (e.action === 'uninstall') s.removals++;
  }
  return s;
}

/** "2 upgrades, 1 rebuild, 1 new": the non-zero counts. */
export function summaryLine(s: WorldSummary): string {
  const part = (n: number, one: string, many: string) => (n ? `${n} ${n === 1 ? one : many}` : '');
  return [
    part(s.upgrades, 'upgrade', 'upgrades'),
    part(s.downgrades, 'downgrade', 'downgrades'),
    part(s.rebuilds, 'rebuild', 'rebuilds'),
    part(s.new, 'new package', 'new packages'),
    part(s.removals, 'removal', 'removals'),
  ]
    .filter(Boolean)
    .join(', ');
}

/** The pure decision: Portage's plan → the report, or a refusal quoting Portage (failure, blocker, skipped update). */
export function planWorld(f: WorldFacts): { result: EmergeWorldResult; run: boolean } {
  const a = f.pretend;
  if (a.code !== 0) {
    const reason =
      emergeFailureReason(a.stderr) ??
      emergeFailureReason(a.stdout) ??
      a.stderr.trim().split('\n').slice(-10).join('\n');
    throw new Error(`${a.command} exited ${a.code}:\n${reason}`);
  }
  const plan = parseEmergePlan(a.stdout);
  const blocked = plan.entries.find((e) => e.action === 'blocker' && /\[blocks B/.test(e.line));
  if (blocked) throw new Error(`${a.command}: unresolved blocker, the world update would fail:\n${blocked.line}`);
  const skipped = skippedUpdates(`${a.stdout}\n${a.stderr}`);
  if (skipped) throw new Error(`${a.command}: Portage skips updates (resolve the conflict first):\n${skipped}`);
  const summary = summarise(plan);
  const merging = plan.entries.some((e) => e.kind === 'ebuild' || e.kind === 'binary');
  if (!merging) return { result: { changed: false, summary }, run: false };
  return {
    result: {
      changed: true,
      message: `update @world: ${summaryLine(summary)}`,
      detail: renderPlan(plan),
      summary,
      plan,
    },
    run: true,
  };
}

/**
 * Updates the whole system as an admin does (`emerge --update --deep --newuse @world`): Portage's plan is asked
 * first (read-only, also in --check) and summarised ("update @world: 2 upgrades, 1 rebuild"), with the plan
 * as detail; a blocker or an update Portage skips is an error before anything runs; nothing to merge is no
 * change. A build that fails is explained (package, phase, die message, build log tail). Removals of packages
 * nothing needs are `emerge(host, { atoms, state: 'absent' })`'s business, not this module's.
 */
export const emergeWorld = defineModule<EmergeWorldParams, WorldFacts, EmergeWorldResult>({
  name: 'emergeWorld',
  title: (p) => `emerge ${flagsOf(p, false).slice(1).join(' ')} @world`,
  validate: (p) => {
    for (const k of ['newuse', 'withBdeps'] as const)
      if (p[k] !== undefined && typeof p[k] !== 'boolean') throw new Error(`${k} must be true or false`);
  },
  facts: async (host, p) => {
    const flags = flagsOf(p, true);
    const r = await host.exec(sh`emerge ${flags} @world`, { allowFail: true });
    return {
      pretend: { command: `emerge ${flags.join(' ')} @world`, code: r.code, stdout: r.stdout, stderr: r.stderr },
    };
  },
  plan: (p, f): Plan<EmergeWorldResult> => {
    const d = planWorld(f);
    if (!d.run) return { result: d.result };
    const cmd = sh`emerge ${flagsOf(p, false)} @world`;
    return {
      result: d.result,
      apply: async (host) => {
        await runEmerge(host, cmd);
        return {};
      },
    };
  },
});
