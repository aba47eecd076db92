// facts() on a real local shell: several facts in one round trip, memoised per host, readable in --check, typed names.
import test from 'ava';
import { readOnlyHost } from '../../../core/module.ts';
import { facts, FACT_NAMES } from '../../../modules/facts/index.ts';
import { countExecs, localHost } from '../../support/host.ts';

test('several facts in one round trip; asked again (alone or with others already known) they cost nothing', async (t) => {
  const { host, close } = localHost();
  try {
    const n = countExecs(host);
    const f = await facts(host, 'os', 'init', 'memory', 'kernel');
    t.is(n.n, 1);
    t.true(f.os.id.length > 0);
    t.true(f.memory.totalBytes > 0);
    t.is(f.kernel.name, 'Linux');
    t.true(['openrc', 'systemd', 'unknown'].includes(f.init.system));
    const again = await facts(host, 'os', 'memory');
    t.is(n.n, 1);
    t.is(again.os, f.os); // the memoised value itself
    // One new name with known ones: one round trip, for the new one only.
    const more = await facts(host, 'os', 'users');
    t.is(n.n, 2);
    t.true(more.users.some((u) => u.uid === 0));
    t.is((await facts(host).users)[0], more.users[0]);
    t.is(n.n, 2);
  } finally {
    await close();
  }
});

test('concurrent asks share one probe per fact: no fact is gathered twice', async (t) => {
  const { host, close } = localHost();
  try {
    const n = countExecs(host);
    const [a, b, c] = await Promise.all([facts(host, 'cpu'), facts(host, 'cpu', 'mounts'), facts(host).cpu]);
    t.is(n.n, 2); // cpu with the first call, mounts with the second; the third waits for the first
    t.is(a.cpu, b.cpu);
    t.is(c, a.cpu);
    t.true(b.mounts.some((m) => m.mountPoint === '/'));
  } finally {
    await close();
  }
});

test('every fact of the catalog reads this machine in --check (read-only), in one round trip', async (t) => {
  const { host, close } = localHost({ check: true });
  try {
    const n = countExecs(host);
    const [first, ...rest] = FACT_NAMES;
    const all = await facts(host, first, ...rest);
    t.is(n.n, 1);
    t.deepEqual(Object.keys(all).sort(), [...FACT_NAMES].sort());
    t.true(all.cpu.processors >= 1 && all.cpu.usable >= 1);
    t.true(all.network.interfaces.some((i) => i.name === 'lo'));
    t.not(all.packageManager.name, undefined);
    t.true(all.groups.some((g) => g.gid === 0));
  } finally {
    await close();
  }
});

test('a fact name not in the catalog is a type error, and a clear error at run time', async (t) => {
  const { host, close } = localHost();
  try {
    // @ts-expect-error: 'oss' is not a fact (tsc fails on this file if it ever type-checks)
    const bad = facts(host, 'oss');
    await t.throwsAsync(bad, { message: /^fact oss: no such fact \(the catalog has os, kernel, cpu,/ });
    // @ts-expect-error: the same through the property form
    t.is(facts(host).oss, undefined);
  } finally {
    await close();
  }
});

test('a failed probe fails every fact it was gathering, and is not memoised (the next ask retries)', async (t) => {
  const { host, close } = localHost();
  try {
    const real = host.exec.bind(host);
    let fail = true;
    host.exec = (cmd, o) => (fail ? Promise.reject(new Error('connection lost')) : real(cmd, o));
    await t.throwsAsync(facts(host, 'kernel', 'os'), { message: 'connection lost' });
    fail = false;
    t.is((await facts(host, 'kernel')).kernel.name, 'Linux');
  } finally {
    await close();
  }
});

test("a module's facts step (its read-only HostReader) shares the playbook's memo", async (t) => {
  const { host, close } = localHost({ check: true });
  try {
    const n = countExecs(host);
    const viaPlaybook = await facts(host, 'kernel');
    const viaModule = await facts(readOnlyHost(host), 'kernel', 'init');
    t.is(viaModule.kernel, viaPlaybook.kernel);
    t.is(n.n, 2); // kernel once, then init alone
  } finally {
    await close();
  }
});
