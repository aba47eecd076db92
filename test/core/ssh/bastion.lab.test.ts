// Reaching hosts the machine cannot reach, for real: node1 (b1) is the only host on the machine's bridge;
// node2 (b2) and node3 are on a second network inside b1; node4 and node5 on a third inside b2
// (lab/topology.ts). The topology's ssh_config (Include + Match) is the fixture, read by OpenSSH's
// ssh and by drover alike.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { hostKeyPolicyFor, openTransport, resolveConnection } from '../../../core/transport/connection.ts';
import {
  applyTopology,
  renderTopologySshConfig,
  setLinkBehind,
  type Topology,
  writeTopologySshConfig,
} from '../../../lab/topology.ts';
import { drover, recap } from '../../support/cli.ts';
import { labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'bastion', hosts: 5, profile: 'base' });
const labTest = labSerialTest(test);
const TOPOLOGY: Topology = {
  bastions: [
    { bastion: 'node1', behind: ['node2', 'node3'] },
    { bastion: 'node2', behind: ['node4', 'node5'] },
  ],
};
const dir = mkdtempSync(join(tmpdir(), 'drover-bastion-lab-'));
let cfg = '';

// ava runs before hooks concurrently: the topology is built by the first test that needs it, after the lab is up.
let built: Promise<void> | undefined;
const topology = () =>
  (built ??= (async () => {
    await applyTopology(lab(), TOPOLOGY);
    cfg = await writeTopologySshConfig(lab(), TOPOLOGY);
  })());
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** An Ansible YAML inventory for the lab's hosts whose ssh settings all come from `config` (`-F`). */
function inventory(config: string, name = 'hosts.yml'): string {
  const file = join(dir, name);
  const hosts = lab()
    .hosts.map((h) => `        ${h.short}:\n`)
    .join('');
  writeFileSync(
    file,
    `all:\n  vars:\n    ansible_ssh_common_args: -F ${config}\n  children:\n    lab:\n      hosts:\n${hosts}`,
  );
  return file;
}

async function droverHostname(short: string, config = cfg): Promise<string> {
  const { spec, policy } = hostKeyPolicyFor(resolveConnection(short, {}, { sshConfigFile: config }), undefined, false);
  const tr = await openTransport(spec, policy, { name: short });
  try {
    return (await tr.run('hostname')).stdout.toString().trim();
  } finally {
    await tr.close();
  }
}

function sshHostname(short: string, config = cfg): string {
  const r = spawnSync('ssh', ['-F', config, '-o', 'BatchMode=yes', short, 'hostname'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`ssh -F ${config} ${short}: exit ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Whether a TCP connection from the machine to host:22 succeeds within 3 s. */
function reachableDirectly(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port: 22 });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(3000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

labTest('only the bastion is reachable from the machine', async (t) => {
  await topology();
  const [n1, ...rest] = lab().hosts;
  t.true(await reachableDirectly(n1.address));
  for (const h of rest) t.false(await reachableDirectly(h.address), `${h.short} must not be reachable directly`);
});

labTest('one jump, two jumps: drover reaches every host as `ssh -F` (OpenSSH) does', async (t) => {
  await topology();
  for (const h of lab().hosts) {
    const ours = await droverHostname(h.short);
    t.is(ours, sshHostname(h.short), h.short);
    t.true(ours.startsWith(h.short), `${h.short} answered as ${ours}`);
  }
});

labTest('ProxyCommand (ssh -W through b2, itself through b1) reaches node4', async (t) => {
  await topology();
  const h4 = lab().hosts[3];
  const pcCfg = join(dir, 'pc_config');
  writeFileSync(
    pcCfg,
    [
      'Host pc-node4',
      `  HostName ${h4.address}`,
      `  ProxyCommand ssh -F ${cfg} -o BatchMode=yes -W %h:%p node2`,
      '  User root',
      `  IdentityFile ${lab().keyFile}`,
      `  UserKnownHostsFile ${lab().knownHostsFile}`,
      `Include ${cfg}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  t.is(await droverHostname('pc-node4', pcCfg), sshHostname('pc-node4', pcCfg));
  t.true((await droverHostname('pc-node4', pcCfg)).startsWith('node4'));
});

labTest(
  'a whole run through the bastions (Ansible inventory, -F in ansible_ssh_common_args): every host ok; ansible-playbook agrees',
  async (t) => {
    await topology();
    const inv = inventory(cfg);
    const r = await drover(['run', 'test/fixtures/ssh-config/playbook.ts', '-i', inv, '--json']);
    t.is(r.code, 0, r.stdout + r.stderr);
    for (const h of lab().hosts) t.like(recap(r)[h.short], { unreachable: 0, failed: 0 });
    const play = join(dir, 'play.yml');
    writeFileSync(play, '- hosts: all\n  gather_facts: false\n  tasks:\n    - raw: "true"\n');
    const a = spawnSync('ansible-playbook', ['-i', inv, play], {
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_SSH_ARGS: '-o ControlMaster=no' },
    });
    t.is(a.status, 0, a.stdout + a.stderr);
    for (const h of lab().hosts) t.regex(a.stdout, new RegExp(`^${h.short}\\s+: ok=1 .*unreachable=0`, 'm'));
  },
);

labTest('a changed bastion key (b2) is refused: only b2 and the hosts behind it are unreachable, exit 4', async (t) => {
  await topology();
  const state = lab();
  const kh = join(dir, 'known_hosts_b2_changed');
  const h2 = state.hosts[1];
  const other = join(dir, 'other_key');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
  const otherPub = readFileSync(other + '.pub', 'utf8')
    .split(' ')
    .slice(0, 2)
    .join(' ');
  // node2's ed25519 line replaced by another key; everything else as the lab wrote it.
  const lines = readFileSync(state.knownHostsFile, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith(`${h2.name},`) && l.includes('ssh-ed25519'));
  lines[i] = `${h2.name},${h2.short},${h2.address} ${otherPub}`;
  writeFileSync(kh, lines.join('\n'));
  const changedCfg = join(dir, 'changed_config');
  const files = renderTopologySshConfig({ ...state, knownHostsFile: kh }, TOPOLOGY, join(dir, 'changed_jumps.conf'));
  writeFileSync(join(dir, 'changed_jumps.conf'), files.include, { mode: 0o600 });
  writeFileSync(changedCfg, files.sshConfig, { mode: 0o600 });
  const r = await drover([
    'run',
    'test/fixtures/ssh-config/playbook.ts',
    '-i',
    inventory(changedCfg, 'changed.yml'),
    '--json',
  ]);
  t.is(r.code, 4, r.stdout + r.stderr);
  const stats = recap(r);
  t.deepEqual(Object.fromEntries(state.hosts.map((h) => [h.short, stats[h.short].unreachable])), {
    node1: 0,
    node2: 1,
    node3: 0,
    node4: 1,
    node5: 1,
  });
  const message = (h: string) => r.events.find((e) => e.kind === 'host-unreachable' && e.host === h)?.message ?? '';
  t.regex(message('node4'), new RegExp(`host key CHANGED for ${h2.address.replace(/\./g, '\\.')}:22`));
  t.regex(message('node4'), new RegExp(`${kh}:${i + 1}`));
});

labTest(
  'an unsupported directive for one host behind the bastion: that host refused with file:line before connecting, the others run',
  async (t) => {
    await topology();
    const refusing = join(dir, 'refusing_config');
    writeFileSync(refusing, `Include ${cfg}\nHost node5\n  RequiredRSASize 4096\n`, { mode: 0o600 });
    const r = await drover([
      'run',
      'test/fixtures/ssh-config/playbook.ts',
      '-i',
      inventory(refusing, 'refusing.yml'),
      '--json',
    ]);
    t.is(r.code, 4, r.stdout + r.stderr);
    const stats = recap(r);
    t.deepEqual(Object.fromEntries(lab().hosts.map((h) => [h.short, stats[h.short].unreachable])), {
      node1: 0,
      node2: 0,
      node3: 0,
      node4: 0,
      node5: 1,
    });
    const message = r.events.find((e) => e.kind === 'host-unreachable' && e.host === 'node5')?.message ?? '';
    t.regex(message, new RegExp(`${refusing}:3: RequiredRSASize 4096 — `));
    t.regex(message, /nothing was connected/);
  },
);

labTest('a bastion cut mid-run (b2): only b2 and the hosts behind it are unreachable, exit 4', async (t) => {
  await topology();
  const marker = join(dir, 'cut-marker');
  const done = join(dir, 'cut-done');
  process.env.BASTION_MARKER = marker;
  process.env.BASTION_CUT_DONE = done;
  const run = drover(['run', 'test/fixtures/playbooks/bastion-cut.ts', '-i', inventory(cfg, 'cut.yml'), '--json']);
  for (let i = 0; i < 1200 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
  t.true(existsSync(marker), 'the run reached the cut point');
  await setLinkBehind(lab(), TOPOLOGY, 'node2', false);
  t.teardown(() => setLinkBehind(lab(), TOPOLOGY, 'node2', true));
  writeFileSync(done, '');
  const r = await run;
  t.is(r.code, 4, r.stdout + r.stderr);
  const stats = recap(r);
  t.deepEqual(Object.fromEntries(lab().hosts.map((h) => [h.short, stats[h.short].unreachable])), {
    node1: 0,
    node2: 1,
    node3: 0,
    node4: 1,
    node5: 1,
  });
});
