// The runner end to end through the CLI, against real sshd on three lab hosts.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { labCut, labExec, labHeal, type LabState } from '../../../lab/index.ts';
import { labSerialTest, useLab } from '../../support/lab.ts';
import { drover, recap } from '../../support/cli.ts';

const lab = useLab(test, { name: 'runner', hosts: 3, profile: 'base' });
const labTest = labSerialTest(test);

/** An INI inventory for the lab hosts with a known_hosts file of the test's choosing. */
function inventory(state: LabState, knownHosts: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-runner-'));
  const lines = state.hosts.map(
    (h) =>
      `${h.name} ansible_host=${h.address} ansible_user=root ansible_ssh_private_key_file=${state.keyFile} marker=${h.short}-marker`,
  );
  const file = path.join(dir, 'hosts.ini');
  writeFileSync(file, `[lab]\n${lines.join('\n')}\n\n[all:vars]\nknown_hosts_file=${knownHosts}\n`);
  return file;
}

async function cleanHosts(state: LabState): Promise<void> {
  for (const h of state.hosts) await labExec(state, h.short, ['rm', '-rf', '/tmp/drover-runner']);
}

labTest('a 3-host run changes each host once; a second run changes nothing', async (t) => {
  const state = lab();
  await cleanHosts(state);
  const inv = inventory(state, state.knownHostsFile);
  const first = await drover(['run', 'test/fixtures/runner/files.ts', '-i', inv, '--json']);
  t.is(first.code, 0, first.stdout + first.stderr);
  for (const h of state.hosts) {
    t.is(recap(first)[h.name].changed, 2, h.name);
    t.is(recap(first)[h.name].failed, 0);
    const marker = await labExec(state, h.short, ['cat', '/tmp/drover-runner/marker']);
    t.is(marker.stdout, `${h.short}-marker\n`);
    const fromFirst = await labExec(state, h.short, ['cat', '/tmp/drover-runner/from-first']);
    t.is(fromFirst.stdout, `${state.hosts[0].short}-marker\n`, 'a value read on one host reaches the others');
  }
  const second = await drover(['run', 'test/fixtures/runner/files.ts', '-i', inv, '--json']);
  t.is(second.code, 0, second.stdout + second.stderr);
  for (const h of state.hosts) t.is(recap(second)[h.name].changed, 0, h.name);
});

labTest('--check runs nothing that changes a host', async (t) => {
  const state = lab();
  await cleanHosts(state);
  const inv = inventory(state, state.knownHostsFile);
  const r = await drover([
    'run',
    'test/fixtures/runner/files.ts',
    '-i',
    inv,
    '--check',
    '--limit',
    state.hosts[0].name,
  ]);
  // The read in phase 2 finds no marker (phase 1 only said it would write it): the host fails honestly.
  t.is(r.code, 2, r.stdout + r.stderr);
  t.regex(r.stdout, /skipped \| command mkdir -p \/tmp\/drover-runner/);
  const gone = await labExec(state, state.hosts[0].short, ['test', '-e', '/tmp/drover-runner']);
  t.not(gone.code, 0, 'check mode created nothing');
});

labTest('an unknown host key is refused; --accept-new-host-keys records it', async (t) => {
  const state = lab();
  const known = path.join(mkdtempSync(path.join(tmpdir(), 'drover-kh-')), 'known_hosts');
  writeFileSync(known, '');
  const inv = inventory(state, known);
  const refused = await drover(['run', 'test/fixtures/runner/files.ts', '-i', inv, '--limit', state.hosts[0].name]);
  t.is(refused.code, 4, refused.stdout + refused.stderr);
  t.regex(refused.stdout, /UNREACHABLE.*(unknown|not known|no key)/i);
  t.is(readFileSync(known, 'utf8'), '', 'nothing recorded without the flag');
  const accepted = await drover([
    'run',
    'test/fixtures/runner/files.ts',
    '-i',
    inv,
    '--limit',
    state.hosts[0].name,
    '--accept-new-host-keys',
  ]);
  t.is(accepted.code, 0, accepted.stdout + accepted.stderr);
  t.regex(readFileSync(known, 'utf8'), new RegExp(state.hosts[0].address.replace(/\./g, '\\.')));
  const again = await drover(['run', 'test/fixtures/runner/files.ts', '-i', inv, '--limit', state.hosts[0].name]);
  t.is(again.code, 0, 'the recorded key is trusted next time');
});

labTest('a changed host key is always refused, naming host, fingerprint and known_hosts line', async (t) => {
  const state = lab();
  const known = path.join(mkdtempSync(path.join(tmpdir(), 'drover-kh-')), 'known_hosts');
  // node1's address with node2's keys: what a man in the middle would look like.
  const node2Keys = readFileSync(state.knownHostsFile, 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[0].split(',').includes(state.hosts[1].address))
    .map((l) => [state.hosts[0].address, ...l.split(' ').slice(1)].join(' '));
  t.true(node2Keys.length > 0);
  writeFileSync(known, '# test\n' + node2Keys.join('\n') + '\n');
  const inv = inventory(state, known);
  const r = await drover([
    'run',
    'test/fixtures/runner/files.ts',
    '-i',
    inv,
    '--limit',
    state.hosts[0].name,
    '--accept-new-host-keys',
  ]);
  t.is(r.code, 4, r.stdout + r.stderr);
  t.regex(r.stdout, new RegExp(state.hosts[0].name));
  t.regex(r.stdout, /SHA256:[A-Za-z0-9+/]{43}/);
  t.regex(r.stdout, new RegExp(`${known.replace(/[/.]/g, '\\$&')}:2`));
  t.is(readFileSync(known, 'utf8').split('\n').filter(Boolean).length, node2Keys.length + 1, 'known_hosts untouched');
});

labTest('one host cut off: it is unreachable (exit 4), the others finish', async (t) => {
  const state = lab();
  await cleanHosts(state);
  const inv = inventory(state, state.knownHostsFile);
  await labCut(state.name, state.hosts[1].short);
  t.teardown(() => labHeal(state.name, state.hosts[1].short));
  const r = await drover(['run', 'test/fixtures/runner/files.ts', '-i', inv, '--json']);
  t.is(r.code, 4, r.stdout + r.stderr);
  const stats = recap(r);
  t.is(stats[state.hosts[1].name].unreachable, 1);
  t.is(stats[state.hosts[0].name].failed + stats[state.hosts[2].name].failed, 0);
  t.is(stats[state.hosts[2].name].changed, 2, 'the others ran every phase');
});
