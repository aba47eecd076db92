// Issue 12 over SSH to real lab hosts: a command's output is only ever its own (background processes,
// sysfile after a flood), a shell that dies fails only its host at once, and drover exits within
// seconds of its recap although a host's link is cut while connections close.
import { spawn } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { labCut, labExec } from '../../../lab/index.ts';
import { UnreachableError } from '../../../core/errors.ts';
import { sh } from '../../../core/sh.ts';
import { sysfile } from '../../../modules/files/sysfile.ts';
import { BIN, REPO } from '../../support/cli.ts';
import type { TestHost } from '../../support/host.ts';
import { labHost, labSerialTest, useLab } from '../../support/lab.ts';

const lab = useLab(test, { name: 'framing', hosts: 2, profile: 'base' });
const labTest = labSerialTest(test);
const opened: TestHost[] = [];
test.after.always(async () => {
  for (const o of opened) await o.close();
});
function host(index: number) {
  const th = labHost(lab(), index);
  opened.push(th);
  return th.host;
}

labTest('late output of a background process never reaches the next command', async (t) => {
  const h = host(0);
  t.is((await h.exec(sh`(sleep 1; echo LATE-OUT; echo LATE-ERR >&2) & echo first`)).stdout, 'first\n');
  const r = await h.exec(sh`sleep 2; echo mine`);
  t.is(r.stdout, 'mine\n');
  t.is(r.stderr, '');
});

labTest('sysfile after a background flood writes exactly the line it reports', async (t) => {
  const h = host(0);
  const f = '/root/framing-flood.conf';
  await h.exec(sh`printf 'a=1\nb=2\n' > ${f}`);
  await h.exec(sh`(i=0; while [ $i -lt 20000 ]; do echo QUJD; i=$((i+1)); done) &`);
  const res = await sysfile(h, { path: f, line: 'c=3' });
  t.true(res.changed);
  t.is((await h.exec(sh`cat -- ${f}`)).stdout, 'a=1\nb=2\nc=3\n');
  t.is((await labExec(lab(), lab().hosts[0].name, ['cat', f])).stdout, 'a=1\nb=2\nc=3\n');
});

labTest('a command that kills its shell fails that host at once; the other host goes on', async (t) => {
  const dying = host(0);
  const other = host(1);
  const t0 = Date.now();
  const e = await t.throwsAsync(dying.exec(sh`sleep 30 & echo $! >/root/framing-sleep.pid; kill $$`), {
    instanceOf: UnreachableError,
  });
  t.true(Date.now() - t0 < 5000, `noticed after ${Date.now() - t0} ms`);
  t.regex(e!.message, /the shell exited/);
  t.is((await other.exec(sh`echo alive`)).stdout, 'alive\n');
  await labExec(lab(), lab().hosts[0].name, ['sh', '-c', 'kill "$(cat /root/framing-sleep.pid)"']);
});

labTest('drover exits within seconds of its recap although a host was cut while connections close', async (t) => {
  const l = lab();
  const cutHost = l.hosts[1];
  const marker = `/root/framing-cut-${process.pid}`;
  const child = spawn(
    process.execPath,
    [
      BIN,
      'run',
      path.join(REPO, 'test/fixtures/playbooks/close-cut.ts'),
      '-i',
      path.join(l.dir, 'inventory.yml'),
      '--json',
      '--no-typecheck',
      '-e',
      `cut_host=${cutHost.name}`,
      '-e',
      `marker=${marker}`,
    ],
    { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let stdout = '';
  let stderr = '';
  let recapAt = 0;
  child.stdout.on('data', (d) => {
    stdout += d;
    if (!recapAt && stdout.includes('"kind":"recap"')) recapAt = Date.now();
  });
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number>((r) => child.once('exit', (code) => r(code ?? -1)));
  // Cut the link as soon as the marker exists: drover is then waiting in the playbook, connections still open.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if ((await labExec(l, cutHost.name, ['test', '-e', marker])).code === 0) break;
    if (child.exitCode !== null || Date.now() > deadline)
      return t.fail(`marker never appeared; exit ${child.exitCode}\n${stderr}\n${stdout}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await labCut(l.name, cutHost.name);
  const timeout = new Promise<'hang'>((r) => setTimeout(() => r('hang'), 60_000).unref());
  const code = await Promise.race([exited, timeout]);
  t.not(code, 'hang', `still running 60 s after the cut; recap ${recapAt ? 'printed' : 'not printed'}`);
  t.true(recapAt > 0, `no recap: ${stdout.slice(-2000)} ${stderr.slice(-2000)}`);
  const after = Date.now() - recapAt;
  t.true(after < 5000, `exited ${after} ms after the recap`);
  t.is(code, 0, stderr);
});
