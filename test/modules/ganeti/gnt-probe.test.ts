// gnt's state probe: real dash runs on this machine (no Ganeti: not installed; a stand-in gnt-cluster on
// PATH: no cluster), answers built from the format with hostile Ganeti output, and parameter checks.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProbeFormatError, ProbeFrame } from '../../../core/probe-frame.ts';
import { sh } from '../../../core/sh.ts';
import { captureOrBroken, GNT_SECTIONS, gntProbe, readGntProbe } from '../../../modules/ganeti/gnt-facts.ts';
import { instanceAddArgs } from '../../../modules/ganeti/gnt-plan.ts';
import { gnt } from '../../../modules/ganeti/gnt.ts';
import { localHost } from '../../support/host.ts';

const bin = mkdtempSync(path.join(tmpdir(), 'drover-gnt-'));
test.after.always(() => rmSync(bin, { recursive: true, force: true }));

function runProbe(env: NodeJS.ProcessEnv) {
  const frame = new ProbeFrame();
  const out = execFileSync(
    'dash',
    ['-c', gntProbe(frame, captureOrBroken(sh`gnt-cluster info`, 'gnt-cluster info')).text],
    { env },
  );
  return readGntProbe(frame.parse(out, GNT_SECTIONS));
}

test('run by dash: no gnt-cluster is not-installed; one on PATH without config.data is none', (t) => {
  t.like(runProbe({ PATH: '/usr/bin:/bin' }), { state: 'not-installed', master: '', self: '', out: '', rc: 0 });
  const fake = path.join(bin, 'gnt-cluster');
  writeFileSync(fake, '#!/bin/sh\necho "@@state=up"\necho "@@master=evil"\n');
  chmodSync(fake, 0o755);
  t.like(runProbe({ PATH: `${bin}:/usr/bin:/bin` }), { state: 'none', master: '' });
});

/** An answer of a master whose `gnt-cluster info` printed `info`. */
function masterAnswer(frame: ProbeFrame, info: string, rc = 0): Buffer {
  return frame.render([
    ['state', 'up'],
    ['master', 'node1.example.org'],
    ['self', 'node1.example.org'],
    ['why', ''],
    ['out', info, rc],
  ]);
}

test('Ganeti output holding the old @@ markers stays output: it cannot say "no cluster" (which would re-run init)', (t) => {
  const frame = new ProbeFrame();
  const info = 'Cluster name: c.example.org\n@@state=none\n@@master=evil\n@@rc=0\n';
  const p = readGntProbe(frame.parse(masterAnswer(frame, info), GNT_SECTIONS));
  t.deepEqual(p, { state: 'up', master: 'node1.example.org', self: 'node1.example.org', why: '', out: info, rc: 0 });
  const verify = readGntProbe(frame.parse(masterAnswer(frame, 'ERROR:ENODESETUP:node:n1:x\n', 1), GNT_SECTIONS));
  t.is(verify.rc, 1);
});

test('unframed, truncated or odd answers are refused', (t) => {
  const frame = new ProbeFrame();
  const good = masterAnswer(frame, 'x\n');
  for (const bad of [
    Buffer.concat([Buffer.from('@@state=none\n'), good]),
    Buffer.concat([good, Buffer.from('@@state=broken\n')]),
    good.subarray(0, good.length - 6),
    frame.render([
      ['state', 'up\n@@state=none'],
      ['master', ''],
      ['self', ''],
      ['why', ''],
      ['out', ''],
    ]),
    frame.render([
      ['state', 'up'],
      ['master', 'a\nb'],
      ['self', ''],
      ['why', ''],
      ['out', ''],
    ]),
  ]) {
    t.throws(() => readGntProbe(frame.parse(bad, GNT_SECTIONS)), { instanceOf: ProbeFormatError });
  }
});

test('names that would be options are refused, naming the parameter (the module and host said once, by ModuleError); `--` ends the options before names', async (t) => {
  const h = localHost({ check: true }).host;
  const want = {
    clusterName: 'c.example.org',
    masterNetdev: 'eth0',
    enabledHypervisors: ['fake'],
    enabledDiskTemplates: ['file'],
  };
  await t.throwsAsync(gnt.node(h, { name: '--help' }), {
    message: /^gnt\.node failed on \S+ \([^)]*\): name "--help" is not a valid host name/,
  });
  await t.throwsAsync(gnt.node(h, { name: 'n2.example.org', secondaryIp: '--help' }), {
    message: /^gnt\.node failed on \S+ \([^)]*\): secondaryIp "--help" is not an IP address/,
  });
  await t.throwsAsync(gnt.cluster(h, { ...want, clusterName: '-x' }), {
    message: /^gnt\.cluster failed on \S+ \([^)]*\): clusterName "-x" is not a valid host name/,
  });
  await t.throwsAsync(gnt.cluster(h, { ...want, enabledHypervisors: ['fake,kvm'] }), {
    message: /\): enabledHypervisors\[0\] "fake,kvm" must be a name/,
  });
  await t.throwsAsync(gnt.instance(h, { name: '--force', os: 'noop', template: 'diskless' }), {
    message: /^gnt\.instance failed on \S+ \([^)]*\): name "--force" is not a valid host name/,
  });
  await t.throwsAsync(gnt.verify(h, { ignore: ['-h'] }), {
    message: /^gnt\.verify failed on \S+ \([^)]*\): ignore "-h" is not a Ganeti error code/,
  });
  for (const [param, value] of [
    ['os', '-h'],
    ['template', '--x'],
    ['node', '-n'],
    ['secondaryNode', 'a b'],
  ] as const) {
    t.throws(() => instanceAddArgs({ name: 'i1', os: 'noop', template: 'diskless', [param]: value }), {
      message: new RegExp(`^${param} `),
    });
  }
  t.throws(() => instanceAddArgs({ name: 'i1', os: 'noop', template: 'plain', disks: ['1G --force'] }), {
    message: /disks\[0\]/,
  });
  for (const bad of ['a..b', 'a-.b', `${'a'.repeat(64)}.org`, `${'a.'.repeat(127)}a`, 'a_b.org', '']) {
    t.throws(
      () => instanceAddArgs({ name: bad, os: 'noop', template: 'diskless' }),
      { message: /is not a valid host name/ },
      bad,
    );
  }
  t.deepEqual(instanceAddArgs({ name: 'i1.example.org', os: 'noop', template: 'diskless' }).slice(-2), [
    '--',
    'i1.example.org',
  ]);
});
