// Holds one phase's diffs and groups identical ones: a change made the same way on 500 hosts is shown once.
import type { DiffGroup, RunEvent } from '../events.ts';
import { paintDiff, unifiedDiff } from './diff.ts';
import { describeHosts } from './host-list.ts';
import { safeBlock, safeLine as L } from './terminal-safe.ts';

type ModuleEnd = Extract<RunEvent, { kind: 'module-end' }>;

export class PhaseDiffs {
  private groups = new Map<string, DiffGroup>();

  add(e: ModuleEnd): void {
    if (!e.changes?.length && !e.detail) return;
    const changes = (e.changes ?? []).map((c) => ({ path: c.path, diff: unifiedDiff(c) }));
    // Same module call, same diff text (already masked): one group. The NUL separators cannot occur in titles.
    const key = [e.title, e.callsite ?? '', e.detail ?? '', ...changes.flatMap((c) => [c.path, c.diff])].join('\0');
    const group = this.groups.get(key);
    if (group) group.hosts.push(e.host);
    else
      this.groups.set(key, {
        title: e.title,
        ...(e.callsite && { callsite: e.callsite }),
        hosts: [e.host],
        changes,
        ...(e.detail && { detail: e.detail }),
      });
  }

  /** The groups gathered since the last take; hosts (and groups, by their first host) in `order`, the phase's host list. */
  take(order: readonly string[] = []): DiffGroup[] {
    const rank = new Map(order.map((h, i) => [h, i]));
    const at = (h: string) => rank.get(h) ?? Infinity;
    const groups = [...this.groups.values()];
    for (const g of groups) g.hosts.sort((a, b) => at(a) - at(b) || (a < b ? -1 : a > b ? 1 : 0));
    // Parallel hosts finish in any order: groups follow their first host in the phase's order (stable, so
    // one host's groups keep its module order), and the output is the same from run to run.
    groups.sort(
      (a, b) => at(a.hosts[0]) - at(b.hosts[0]) || (a.hosts[0] < b.hosts[0] ? -1 : a.hosts[0] > b.hosts[0] ? 1 : 0),
    );
    this.groups.clear();
    return groups;
  }
}

/**
 * A phase's diff groups as text: a header naming the hosts (`node[1-3] (3 hosts): sysfile /etc/motd
 * (p.ts:5)`), then the detail and the diffs. `maxRanges` cuts a long host list (a terminal); a log keeps it whole.
 * Names, titles and the detail (a command's output) are made terminal safe; the detail is indented, so none
 * of its lines can pose as a group header. The diffs are safe already (unifiedDiff).
 */
export function formatDiffGroups(groups: readonly DiffGroup[], o: { color: boolean; maxRanges?: number }): string {
  const out: string[] = [];
  for (const g of groups) {
    const who = g.hosts.length === 1 ? L(g.hosts[0]) : hostsHeader(g.hosts, o.maxRanges);
    out.push(`${who}: ${L(g.title)}${g.callsite ? `  (${L(g.callsite)})` : ''}`);
    if (g.detail) out.push('  ' + safeBlock(g.detail.replace(/\n$/, ''), '  ') + '\n');
    for (const c of g.changes) out.push(o.color ? paintDiff(c.diff) : c.diff);
  }
  return out.join('\n');
}

/** `node[1-3] (3 hosts)`: the names first, so a header reads like the single-host `node1: ...`. */
function hostsHeader(hosts: readonly string[], maxRanges = Infinity): string {
  const described = describeHosts(hosts, maxRanges);
  const colon = described.indexOf(': ');
  return `${described.slice(colon + 2)} (${described.slice(0, colon)})`;
}
