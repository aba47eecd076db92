// Issue 22: `reboot({ timeoutMs })` over a cut link fails within the timeout (plus a small margin), in the user's words, through the CLI.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { labHeal, labCut, labState } from '../../../lab/index.ts';
import { sleep } from '../../../lab/proc.ts';
import { BIN, REPO } from '../../support/cli.ts';
import { labSerialTest, useLab } from '../../support/lab.ts';

const NAME = 'rbbudget';
const lab = useLab(test, { name: NAME, hosts: 1, profile: 'gentoo' });
const labTest = labSerialTest(test);

labTest(
  'cut link while reboot({ timeoutMs: 8000 }) waits: unreachable within 8 s + 1.5 s, no drover token in the message',
  async (t) => {
    const s = lab();
    const bootIdFile = path.join(s.dir, 'nodes/node1/boot_id');
    const old = readFileSync(bootIdFile, 'utf8');
    const child = spawn(
      process.execPath,
      [
        BIN,
        'run',
        path.join(REPO, 'test/fixtures/playbooks/reboot-budget.ts'),
        '-i',
        s.inventoryFile,
        '--json',
        '--no-typecheck',
      ],
      {
        cwd: REPO,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    // When each event line arrives: the reboot's budget counts from its module-start.
    const events: { at: number; e: Record<string, any> }[] = [];
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) if (l.startsWith('{')) events.push({ at: Date.now(), e: JSON.parse(l) });
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // host-init.sh writes a new boot id first thing in the new boot, well before sshd answers: cut then.
      for (const deadline = Date.now() + 60_000; readFileSync(bootIdFile, 'utf8') === old; await sleep(10)) {
        if (Date.now() > deadline) return t.fail(`the host never rebooted\n${stderr}`);
      }
      await labCut(NAME, 'node1');
      const code = await exited;
      const exitAt = Date.now();
      const start = events.find((x) => x.e.kind === 'module-start' && x.e.module === 'reboot');
      const end = events.find((x) => x.e.kind === 'module-end' && x.e.module === 'reboot');
      t.truthy(start && end, stderr);
      t.is(code, 4, 'unreachable');
      t.is(end!.e.status, 'unreachable');
      t.regex(
        end!.e.message,
        /^reboot failed on node1\.example\.org \(.*\): rebooted, but the host did not come back within 8 s: .+; last seen: /,
      );
      t.notRegex(JSON.stringify(events.map((x) => x.e)) + stderr, /drover-ready-/);
      const took = end!.at - start!.at;
      t.true(took < 8000 + 1500, `the reboot failed ${took} ms after it started`);
      t.true(exitAt - start!.at < 8000 + 3000, `drover exited ${exitAt - start!.at} ms after the reboot started`);
      t.log(`failed after ${took} ms: ${end!.e.message}`);
    } finally {
      child.kill('SIGKILL');
      await labHeal(NAME, 'node1');
    }
    t.truthy(await labState(NAME));
  },
);
