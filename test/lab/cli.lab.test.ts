// `drover lab` as a separate process: a non-root user gets one clear line and exit 1; up/status/ssh/down end to end.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { labSerialTest } from '../support/lab.ts';

const labTest = labSerialTest(test);
const cli = (args: string[], opts: { asNobody?: boolean } = {}) => {
  const argv = [process.execPath, '--import=tsx', 'lab/cli-main.ts', ...args];
  const [cmd, ...rest] = opts.asNobody
    ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'env', 'HOME=/tmp', ...argv]
    : argv;
  return spawnSync(cmd, rest, { encoding: 'utf8', timeout: 120_000 });
};

labTest('not root: one line saying root is needed, exit 1, nothing created', (t) => {
  const r = cli(['up', '2', '--name', 'labnope'], { asNobody: true });
  t.is(r.status, 1);
  t.is(
    r.stderr.trim(),
    'drover lab up: drover lab needs root (it creates network namespaces, bridges and mounts): run it as root, e.g. with sudo',
  );
  t.is(cli(['status', '--name', 'labnope']).stdout.trim(), 'lab labnope: not up');
});

labTest('up, status, ssh with and without a command, cut shows in status, down', (t) => {
  t.teardown(() => void cli(['down', '--name', 'labcli']));
  const up = cli(['up', '2', '--name', 'labcli']);
  t.is(up.status, 0, up.stderr);
  t.regex(up.stdout, /^lab labcli: 2 base host\(s\) on 10\.88\.\d+\.0\/24 \(bridge drb-labcli\)$/m);
  t.regex(up.stdout, /inventory: {3}\/run\/drover\/lab\/labcli\/inventory\.yml/);
  const ssh = cli(['ssh', '--name', 'labcli', 'node2', 'hostname', '-f']);
  t.is(ssh.status, 0, ssh.stderr);
  t.is(ssh.stdout.trim(), 'node2.example.org');
  t.is(cli(['ssh', '--name', 'labcli', 'node2', 'exit', '7']).status, 7, 'the remote exit code is ours');
  t.is(cli(['cut', 'node1', '--name', 'labcli']).status, 0);
  const st = cli(['status', '--name', 'labcli']);
  t.regex(st.stdout, /^ {2}node1 +10\.88\.\d+\.11 +up, cut/m);
  t.regex(st.stdout, /^ {2}node2 +10\.88\.\d+\.12 +up {2}pid/m);
  const again = cli(['up', '--name', 'labcli']);
  t.is(again.status, 1);
  t.regex(
    again.stderr.trim(),
    /^drover lab up: lab labcli is already up \(2 base hosts\); run `drover lab down --name labcli` first$/,
  );
  t.is(cli(['down', '--name', 'labcli']).status, 0);
  t.is(cli(['status', '--name', 'labcli']).stdout.trim(), 'lab labcli: not up');
});
