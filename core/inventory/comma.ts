// The `-i node1,node2,` form: a comma-separated host list instead of an inventory file (Ansible's host_list).
import { controlCharProblem, InventoryBuilder, InventoryError } from './model.ts';
import { splitPort } from './ranges.ts';

/** Whether `source` is a host list: it contains a comma (the caller checks it is not an existing path). */
export function looksLikeHostList(source: string): boolean {
  return source.includes(',');
}

/** Adds each host of `a,b:2222,c` to `ungrouped`; empty items (a trailing comma) are skipped. */
export function parseHostList(source: string, builder: InventoryBuilder = new InventoryBuilder()): InventoryBuilder {
  for (const item of source.split(',').map((s) => s.trim())) {
    if (!item) continue;
    const problem = controlCharProblem('host', item);
    if (problem) throw new InventoryError(problem);
    if (/\s/.test(item)) throw new InventoryError(`host list item '${item}' contains whitespace`, undefined, undefined);
    const { host, port } = splitPort(item);
    if (!host) throw new InventoryError(`host list item '${item}' has no host name`);
    builder.host(host, 'ungrouped', {}, { label: `host list, ${host}` }, port);
  }
  if (builder.hosts.size === 0) throw new InventoryError(`host list '${source}' names no hosts`);
  return builder;
}
