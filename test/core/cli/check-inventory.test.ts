// `drover check -i` type-checks a TypeScript inventory against its declared var types: a wrong type fails there, before any run.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { drover, REPO } from '../../support/cli.ts';

function inventoryWith(template: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-checkinv-'));
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  const file = path.join(dir, 'inventory.ts');
  writeFileSync(
    file,
    `import { inventory } from ${JSON.stringify(path.join(REPO, 'core/index.ts'))};
import type { ClusterVars, NodeVars } from ${JSON.stringify(path.join(REPO, 'playbooks/ganeti/vars.ts'))};
export default inventory<NodeVars & ClusterVars>({
  children: { ganeti: {
    hosts: { 'node1.example.org': { ansible_host: '127.0.0.1', publicIp: '10.0.0.1', publicInterface: 'eth0', publicPrefix: 24 } },
    vars: {
      clusterName: 'c.example.org', clusterAddress: '10.0.0.9', master: 'node1.example.org', masterNetdev: 'eth0',
      hypervisors: ['fake'], diskTemplates: ['diskless'],
      instances: [{ name: 'i.example.org', template: ${template}, os: 'noop' }],
    },
  } },
});
`,
  );
  return { dir, file };
}

test('drover check -i: a TS inventory with `template: 42` fails with file:line; the same with a string passes', async (t) => {
  const bad = inventoryWith('42');
  const good = inventoryWith("'diskless'");
  t.teardown(() => [bad.dir, good.dir].forEach((d) => rmSync(d, { recursive: true, force: true })));
  const r = await drover(['check', 'playbooks/ganeti.ts', '-i', bad.file]);
  t.is(r.code, 1, r.stdout + r.stderr);
  t.regex(r.stderr, /type errors in the inventory .*inventory\.ts/);
  t.regex(r.stderr, /inventory\.ts:9:\d+ - error TS2322: Type 'number' is not assignable to type 'string'/);
  const ok = await drover(['check', 'playbooks/ganeti.ts', '-i', good.file]);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /1 host\(s\) selected, every required var present/);
});
