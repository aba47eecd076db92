// gnt.cluster / gnt.node / gnt.instance / gnt.verify planned from probe answers holding Ganeti 3.0.2's recorded output (no host).
import test from 'ava';
import type { RunEvent } from '../../../core/events.ts';
import { RunHost, shareRuntime } from '../../../core/host.ts';
import type { ProbeFacts } from '../../../core/module.ts';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import type { ShellCommand } from '../../../core/sh.ts';
import { gnt } from '../../../modules/ganeti/gnt.ts';
import { ganetiFixture, labClusterParams, recordedGaneti } from '../../support/ganeti.ts';
import { planFromAnswer, type Answer } from '../../../modules/kit.ts';

const fixture = ganetiFixture;
const recorded = recordedGaneti;

const M = 'node1.example.org';
const state = (st: string, master = '', self = '', why = '', out = '', rc = 0): Answer => [
  ['state', st],
  ['master', master],
  ['self', self],
  ['why', why],
  ['out', out, rc],
];
/** The master answering: `out` is what the module's gnt-* query printed. */
const onMaster = (out: string, rc = 0) => state('up', M, M, '', out, rc);
const NONE = state('none');
const NOT_INSTALLED = state('not-installed');
// non-master.txt: getmaster on node2 says node1.
const NOT_MASTER = state('not-master', M, 'node2.example.org');
// not-initialised.txt: config.data present, ssconf gone: getmaster fails.
const GETMASTER_FAILS = state(
  'broken',
  '',
  '',
  'gnt-cluster getmaster',
  fixture('not-initialised.txt').split('\n').slice(1, 3).join('\n'),
);
// daemons-stopped.txt: getmaster answers, gnt-cluster info times out.
const INFO_TIMES_OUT = state(
  'broken',
  '',
  '',
  'gnt-cluster info',
  'Timeout while talking to the master daemon. Jobs might have been submitted and will continue to run even if the call timed out.\nError:\nConnect timed out\n',
);

/** What the apply of a plan does when it refuses: a real run stops with this error (the host is not touched). */
async function refusal(apply: unknown): Promise<string> {
  if (typeof apply !== 'function') throw new Error('the plan has no apply function');
  try {
    await apply(undefined);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('apply did not refuse');
}

const lab = labClusterParams();
const INIT =
  "gnt-cluster init --master-netdev=eth0 --master-netmask=24 --enabled-hypervisors=fake --enabled-disk-templates=file,diskless --file-storage-dir=/srv/ganeti/file-storage -N 'mode=routed,link=100' -B 'vcpus=1,maxmem=128M,minmem=128M' --no-etc-hosts -- cluster.example.org";

test('gnt.cluster: no cluster → init, with the name after --; the real run reports the master', async (t) => {
  const plan = planFromAnswer(gnt.cluster, lab, NONE);
  t.like(plan.result, {
    changed: true,
    initialised: true,
    master: '',
    drift: [],
    message: `would run: ${INIT}`,
    detail: INIT,
  });
  t.is(typeof plan.apply, 'function');
});

test('gnt.cluster: Ganeti not installed → --check says init would run; a real run refuses', async (t) => {
  const plan = planFromAnswer(gnt.cluster, lab, NOT_INSTALLED);
  t.is(plan.result.message, `would run: ${INIT} (Ganeti is not installed yet)`);
  t.is(await refusal(plan.apply), 'gnt-cluster init: gnt-cluster not found: Ganeti is not installed on this host');
});

test('gnt.cluster: the recorded info right after init matches the params: nothing to do', (t) => {
  const plan = planFromAnswer(gnt.cluster, lab, onMaster(fixture('cluster-info-fake-file.txt')));
  t.false(plan.result.changed);
  t.is(plan.apply, undefined);
  t.like(plan.result, { initialised: false, master: M, drift: [], message: undefined });
  t.deepEqual(plan.result.facts?.enabledDiskTemplates, ['file', 'diskless']);
});

test('gnt.cluster: the recorded info after a hand-made modify → one gnt-cluster modify, drift listed', (t) => {
  const plan = planFromAnswer(
    gnt.cluster,
    { ...lab, hypervisorParams: { fake: { migration_mode: 'live' } } },
    onMaster(fixture('cluster-info-modified.txt')),
  );
  const modify =
    "gnt-cluster modify --enabled-disk-templates=file,diskless -H fake:migration_mode=live -B 'vcpus=1,maxmem=128M'";
  t.true(plan.result.changed);
  t.deepEqual(plan.result.drift, [
    'enabled disk templates: file,diskless,sharedfile (want file,diskless)',
    'hypervisor fake migration_mode: non-live (want live)',
    'backend vcpus: 2 (want 1)',
    'backend maxmem: 256 (want 128)',
  ]);
  t.is(plan.result.message, `would run: ${modify}`);
  t.is(plan.result.detail, `${plan.result.drift.join('\n')}\nwould run: ${modify}`);
  t.is(typeof plan.apply, 'function');
});

test('gnt.cluster: the master of another cluster is an error, never "fixed"', (t) => {
  t.throws(
    () =>
      planFromAnswer(
        gnt.cluster,
        { ...lab, clusterName: 'other.example.org' },
        onMaster(fixture('cluster-info-fake-file.txt')),
      ),
    {
      message:
        'this host is the master of another cluster than the one wanted: cluster name is cluster.example.org, want other.example.org (rename with gnt-cluster rename yourself)',
    },
  );
});

test('gnt.cluster: not the master → an error naming the master (no host prefix: ModuleError adds it)', (t) => {
  t.throws(() => planFromAnswer(gnt.cluster, lab, NOT_MASTER), {
    message:
      'gnt-cluster init/modify must run on the cluster master, which is node1.example.org (this host is node2.example.org)',
  });
});

test('gnt.cluster: half-initialised (getmaster fails, or info times out) is never re-initialised; the output is quoted', (t) => {
  const e1 = t.throws(() => planFromAnswer(gnt.cluster, lab, GETMASTER_FAILS));
  t.regex(
    e1.message,
    /^the Ganeti cluster is half-initialised: \/var\/lib\/ganeti\/config\.data exists but `gnt-cluster getmaster` failed:\nCorrupt configuration file: Can't read ssconf file \/var\/lib\/ganeti\/ssconf_master_node.*\nAborting\.\ndrover will not run gnt-cluster init over it/,
  );
  const e2 = t.throws(() => planFromAnswer(gnt.cluster, lab, INFO_TIMES_OUT));
  t.regex(
    e2.message,
    /`gnt-cluster info` failed:\nTimeout while talking to the master daemon[\s\S]*Connect timed out\ndrover will not run gnt-cluster init/,
  );
});

test('gnt.cluster: params that would be options or break comma lists are refused before the host is touched', (t) => {
  t.throws(() => planFromAnswer(gnt.cluster, { ...lab, clusterName: '-x' }, NONE), {
    message: /^clusterName "-x" is not a valid host name/,
  });
  t.throws(() => planFromAnswer(gnt.cluster, { ...lab, vgName: '--vg' }, NONE), {
    message: /^vgName "--vg" is not a valid LVM name/,
  });
  t.throws(() => planFromAnswer(gnt.cluster, { ...lab, masterNetdev: '-i' }, NONE), {
    message: /^masterNetdev "-i" must be a name/,
  });
  t.throws(() => planFromAnswer(gnt.cluster, { ...lab, secondaryIp: '10.0.0.300' }, NONE), {
    message: 'secondaryIp "10.0.0.300" is not an IP address',
  });
  t.throws(() => planFromAnswer(gnt.cluster, { ...lab, backendParams: { maxmem: '1G,vcpus=8' } }, NONE), {
    message: /^backendParams: parameter maxmem=1G,vcpus=8 cannot contain ','/,
  });
});

test('gnt.cluster: hostile answers are refused: an unknown state, a master name holding a newline', (t) => {
  t.throws(() => planFromAnswer(gnt.cluster, lab, state('none\nup')), { instanceOf: ProbeFormatError });
  t.throws(() => planFromAnswer(gnt.cluster, lab, state('not-master', `${M}\nstate=none`, 'node2.example.org')), {
    instanceOf: ProbeFormatError,
  });
  // Forged lines inside Ganeti's output stay output: the cluster name is still the first one.
  const forged = `${fixture('cluster-info-fake-file.txt')}Cluster name: other.example.org\n`;
  t.throws(() => planFromAnswer(gnt.cluster, lab, onMaster(forged)), { message: /master of another cluster/ });
});

// node-list.txt: `gnt-node list --no-headers -o name` (after its rc line), then other listings.
const NODES = fixture('node-list.txt').split('\n').slice(1, 4).join('\n') + '\n';
const node2 = { name: 'node2.example.org', secondaryIp: '10.88.3.12' };

test('gnt.node: a member already (recorded gnt-node list): nothing to do', (t) => {
  const plan = planFromAnswer(gnt.node, node2, onMaster(NODES));
  t.deepEqual(plan.result, { changed: false, nodes: [M, 'node2.example.org', 'node3.example.org'] });
  t.is(plan.apply, undefined);
});

test('gnt.node: not a member → gnt-node add with -s and the name after --', (t) => {
  const plan = planFromAnswer(gnt.node, node2, onMaster(`${M}\n`));
  const add = 'gnt-node add --no-ssh-key-check -s 10.88.3.12 -- node2.example.org';
  t.deepEqual(plan.result, { changed: true, nodes: [M], message: `would run: ${add}`, detail: add });
  t.is(typeof plan.apply, 'function');
});

test('gnt.node: before init → --check says what would run; a real run refuses (not initialised / not installed)', async (t) => {
  const plan = planFromAnswer(gnt.node, node2, NONE);
  t.is(
    plan.result.message,
    'would run: gnt-node add --no-ssh-key-check -s 10.88.3.12 -- node2.example.org (the cluster is not initialised yet)',
  );
  t.is(
    await refusal(plan.apply),
    'gnt-node add node2.example.org: the Ganeti cluster is not initialised here (no /var/lib/ganeti/config.data); run gnt.cluster on the master first',
  );
  t.regex(
    await refusal(planFromAnswer(gnt.node, node2, NOT_INSTALLED).apply),
    /: gnt-cluster not found: Ganeti is not installed on this host$/,
  );
});

test('gnt.node: not the master, half-initialised, bad params', (t) => {
  t.throws(() => planFromAnswer(gnt.node, node2, NOT_MASTER), {
    message: /^gnt-node add node2\.example\.org must run on the cluster master, which is node1\.example\.org/,
  });
  t.throws(() => planFromAnswer(gnt.node, node2, GETMASTER_FAILS), {
    message: /^the Ganeti cluster is half-initialised/,
  });
  t.throws(() => planFromAnswer(gnt.node, { name: '--help' }, NONE), {
    message: /^name "--help" is not a valid host name/,
  });
});

const INSTANCES =
  fixture('instance-list.txt')
    .split('\n')
    .filter((l) => l.includes('|'))[0] + '\n';
const inst1 = {
  name: 'inst1.example.org',
  os: 'noop',
  template: 'file',
  disks: ['1G'],
  nics: [{ ip: '10.88.3.201' }],
  node: 'node2.example.org',
  nameCheck: false,
};
const ADD =
  'gnt-instance add -t file -o noop --disk 0:size=1G --net 0:ip=10.88.3.201 -n node2.example.org --no-name-check --no-ip-check -- inst1.example.org';

test('gnt.instance: exists (recorded gnt-instance list): nothing to do; another template is reported, never rebuilt', (t) => {
  const plan = planFromAnswer(gnt.instance, inst1, onMaster(INSTANCES));
  t.deepEqual(plan.result, {
    changed: false,
    instance: {
      name: 'inst1.example.org',
      pnode: 'node2.example.org',
      status: 'running',
      template: 'file',
      os: 'noop',
    },
    message: undefined,
  });
  const other = planFromAnswer(
    gnt.instance,
    { ...inst1, template: 'diskless', os: 'debootstrap+default' },
    onMaster(INSTANCES),
  );
  t.false(other.result.changed);
  t.is(other.apply, undefined);
  t.is(
    other.result.message,
    'exists with template file (want diskless), os noop (want debootstrap+default): not recreated',
  );
});

test('gnt.instance: missing → one gnt-instance add, the name after --', (t) => {
  const plan = planFromAnswer(gnt.instance, inst1, onMaster(''));
  t.deepEqual(plan.result, { changed: true, message: `would run: ${ADD}`, detail: ADD });
  t.is(typeof plan.apply, 'function');
});

test('gnt.instance: before init, not the master, an odd list row, bad params', async (t) => {
  const before = planFromAnswer(gnt.instance, inst1, NONE);
  t.is(before.result.message, `would run: ${ADD} (the cluster is not initialised yet)`);
  t.regex(
    await refusal(before.apply),
    /^gnt-instance add inst1\.example\.org: the Ganeti cluster is not initialised here/,
  );
  t.throws(() => planFromAnswer(gnt.instance, inst1, NOT_MASTER), {
    message: /^gnt-instance add inst1\.example\.org must run on the cluster master/,
  });
  t.throws(() => planFromAnswer(gnt.instance, inst1, onMaster('inst1.example.org|node2.example.org|running|file\n')), {
    instanceOf: ProbeFormatError,
    message: /want 5 fields/,
  });
  t.throws(() => planFromAnswer(gnt.instance, { ...inst1, os: '-h' }, NONE), { message: /^os "-h" must be a name/ });
  t.throws(() => planFromAnswer(gnt.instance, { ...inst1, disks: [] }, NONE), {
    message: "template file needs at least one disk size (disks: ['1G'])",
  });
});

test("gnt.verify: the recorded ENODESETUP error fails, quoting Ganeti's finding", (t) => {
  const { out, rc } = recorded('verify-sysrq-error.txt');
  t.throws(() => planFromAnswer(gnt.verify, {}, onMaster(out, rc)), {
    message:
      "gnt-cluster verify failed after 1 attempt(s):\nERROR:ENODESETUP:node:node1.example.org:node setup error: The procfs filesystem doesn't seem to be mounted under /proc, missing required directory /proc/sys and the file /proc/sysrq-trigger",
  });
});

test('gnt.verify: the recorded run with -I ENODESETUP passes with the warning', (t) => {
  const { out, rc } = recorded('verify-ignored-pass.txt');
  const plan = planFromAnswer(gnt.verify, { ignore: ['ENODESETUP'] }, onMaster(out, rc));
  t.like(plan.result, { changed: false, attempts: 1, errors: [], message: 'passed with 1 warning(s): ENODESETUP' });
  t.regex(plan.result.detail ?? '', /^WARNING:ENODESETUP:node:node1\.example\.org:node setup error/);
  t.is(plan.apply, undefined);
});

test('gnt.verify: 3 nodes missing the file storage dir: both errors quoted; a clean run with a NOTICE passes', (t) => {
  const three = recorded('verify-3-nodes.txt');
  const e = t.throws(() => planFromAnswer(gnt.verify, { ignore: ['ENODESETUP'] }, onMaster(three.out, three.rc)));
  t.deepEqual(
    e.message
      .split('\n')
      .slice(1)
      .map((l) => l.split(':').slice(0, 4).join(':')),
    [
      'ERROR:ENODEFILESTORAGEPATHUNUSABLE:node:node3.example.org',
      'ERROR:ENODEFILESTORAGEPATHUNUSABLE:node:node2.example.org',
    ],
  );
  const clean = recorded('verify-with-instance.txt');
  t.like(planFromAnswer(gnt.verify, { ignore: ['ENODESETUP'] }, onMaster(clean.out, clean.rc)).result, {
    changed: false,
    message: 'passed with 3 warning(s): ENODESETUP, ENODESETUP, ENODESETUP',
  });
});

test('gnt.verify: a failing exit status without findings fails with the status and the output tail', (t) => {
  const { out } = recorded('verify-ignored-pass.txt');
  t.throws(
    () =>
      planFromAnswer(
        gnt.verify,
        { ignore: ['ENODESETUP'] },
        onMaster(`${out}1 job(s) failed while verifying the cluster.\n`, 1),
      ),
    {
      message:
        /^gnt-cluster verify failed after 1 attempt\(s\):\nexit 1: [\s\S]*1 job\(s\) failed while verifying the cluster\.$/,
    },
  );
});

test('gnt.verify: before init → skipped in --check (a real run would verify, so it is not "ok"); a real run refuses', async (t) => {
  const plan = planFromAnswer(gnt.verify, { ignore: ['ENODESETUP'] }, NONE);
  t.like(plan.result, {
    changed: true,
    skipped: 'the cluster is not initialised yet: would run gnt-cluster verify --error-codes -I ENODESETUP',
  });
  t.regex(await refusal(plan.apply), /^gnt-cluster verify: the Ganeti cluster is not initialised here/);
  t.throws(() => planFromAnswer(gnt.verify, {}, NOT_MASTER), {
    message: /^gnt-cluster verify must run on the cluster master, which is node1\.example\.org/,
  });
  t.throws(() => planFromAnswer(gnt.verify, { ignore: ['-h'] }, NONE), {
    message: 'ignore "-h" is not a Ganeti error code (ENODESETUP, ...)',
  });
  t.throws(() => planFromAnswer(gnt.verify, { retries: -1 }, NONE), {
    message: 'retries -1 is not a whole number >= 0',
  });
});

/**
 * A read-only host answering each probe with the next recorded answer (the probe's nonce read from its
 * command): verify's own facts step, retries and all, without a cluster.
 */
function answering(answers: Answer[]) {
  const logs: string[] = [];
  let calls = 0;
  const reader = {
    name: 'h1',
    vars: {},
    log: (l: string) => void logs.push(l),
    memo: <T>(_k: string, f: () => Promise<T>) => f(),
    exec: async (cmd: ShellCommand) => {
      const nonce = /@%s %s\\n' ([0-9a-f]{24}) state/.exec(cmd.text)?.[1];
      if (!nonce) throw new Error('no probe nonce in the command');
      const stdoutBytes = new ProbeFrame(nonce).render(answers[Math.min(calls++, answers.length - 1)]);
      return { code: 0, stdout: stdoutBytes.toString(), stderr: '', stdoutBytes };
    },
  };
  return { reader, logs, calls: () => calls };
}

test('gnt.verify facts: a failing verify is asked again (read-only) until it passes or the retries run out', async (t) => {
  const facts = gnt.verify.spec!.facts as ProbeFacts<
    Parameters<typeof gnt.verify>[1],
    { attempts: number; found?: { passed: boolean } }
  >;
  const fail = recorded('verify-sysrq-error.txt');
  const pass = recorded('verify-ignored-pass.txt');
  const settles = answering([onMaster(fail.out, fail.rc), onMaster(pass.out, pass.rc)]);
  const f = await facts(settles.reader as never, { retryDelayMs: 0 });
  t.is(f.attempts, 2);
  t.true(f.found?.passed);
  t.regex(
    settles.logs[0],
    /^gnt-cluster verify failed \(attempt 1 of 6\), retrying in 0 ms: ERROR:ENODESETUP:node:node1\.example\.org/,
  );

  const never = answering([onMaster(fail.out, fail.rc)]);
  const g = await facts(never.reader as never, { retries: 2, retryDelayMs: 0 });
  t.is(g.attempts, 3);
  t.is(never.calls(), 3);
  t.throws(() => gnt.verify.spec!.plan({ retries: 2 }, g as never, { name: 'h1', vars: {} }), {
    message: /^gnt-cluster verify failed after 3 attempt\(s\):\nERROR:ENODESETUP/,
  });

  // No cluster: nothing to wait for, one probe.
  const none = answering([NONE]);
  t.is((await facts(none.reader as never, { retryDelayMs: 0 })).attempts, 1);
  t.is(none.calls(), 1);
});

test('gnt.verify facts: on a run host each attempt is a retry event (progress view, --json), through retry()', async (t) => {
  const facts = gnt.verify.spec!.facts as ProbeFacts<Parameters<typeof gnt.verify>[1], { attempts: number }>;
  const fail = recorded('verify-sysrq-error.txt');
  const pass = recorded('verify-ignored-pass.txt');
  const events: RunEvent[] = [];
  const host = new RunHost({
    name: 'h1',
    vars: {},
    groups: [],
    check: false,
    events: { emit: (e) => void events.push(e), end: async () => undefined },
    transport: async () => {
      throw new Error('unused');
    },
  });
  // readOnlyHost shares the run host's runtime the same way.
  const reader = shareRuntime(
    host,
    answering([onMaster(fail.out, fail.rc), onMaster(fail.out, fail.rc), onMaster(pass.out, pass.rc)]).reader,
  );
  t.is((await facts(reader as never, { retryDelayMs: 0 })).attempts, 3);
  t.deepEqual(
    events.map((e) =>
      e.kind === 'retry'
        ? `${e.host} ${e.what} ${e.attempt}/${e.attempts} ${e.outcome} ${e.message?.slice(0, 16) ?? ''}`
        : e.kind,
    ),
    [
      'h1 gnt-cluster verify 1/6 retry ERROR:ENODESETUP',
      'h1 gnt-cluster verify 2/6 retry ERROR:ENODESETUP',
      'h1 gnt-cluster verify 3/6 ok ',
    ],
  );
});
