// playbooks/ganeti-maintenance.ts on a real terminal (tmux) over a 3-node Ganeti lab, read as a person reads it: each step of a node's turn as it happens, finished blocks that stay put, no copies, spinners that move, the recap; then Ctrl-C (send-keys C-c) during a drain, a migration, after a restart and in the master's turn, each rolled back or finished, exit 130, the STATE block, and a plain rerun that converges.
// (--no-typecheck: the type check has its own tests; here it would only add seconds to every run.)
import test, { type ExecutionContext } from 'ava';
import { labSerialTest, useLab } from '../support/lab.ts';
import { BIN, drover, REPO } from '../support/cli.ts';
import { hasTmux, startPty, TERMINAL_ENV } from '../support/pty.ts';
import { inLabHost, LAB_UPDATE, labClusterHealthy, whyFailed, writeLabInventory } from '../support/ganeti.ts';

// A name no other test file uses.
const lab = useLab(test, { name: 'gtty', hosts: 3, profile: 'ganeti' });
const serial = labSerialTest(test);
const labTest: typeof serial = hasTmux() ? serial : (title, impl) => test.serial.skip(title, impl);
if (!hasTmux()) process.stderr.write('terminal tests skipped: tmux is not installed\n');

const SPINNERS = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Whether each node's ganeti-noded started after its package record changed: nothing left to maintain. */
const FRESH = 'test /var/run/ganeti/ganeti-noded.pid -nt /var/lib/dpkg/info/ganeti-3.0.list && echo fresh || echo due';
const PIDTIME = 'stat -c %Y.%y /var/run/ganeti/ganeti-noded.pid';

interface Snapshot {
  ms: number;
  text: string;
}

/**
 * The maintenance playbook on a 100×40 terminal; the whole screen (scrollback too) read every ~200 ms
 * until it exits. `pressAt`: the first time the screen matches it, Ctrl-C is typed, as a person would.
 */
async function rollOnTerminal(
  t: ExecutionContext<unknown>,
  inv: string,
  pressAt?: RegExp,
): Promise<{ code: number; final: string; shots: Snapshot[]; pressed?: string }> {
  const pty = await startPty(t, ['node', BIN, 'run', 'playbooks/ganeti-maintenance.ts', '-i', inv, '--no-typecheck'], {
    cwd: REPO,
    cols: 100,
    rows: 40,
    env: TERMINAL_ENV,
  });
  const start = Date.now();
  const shots: Snapshot[] = [];
  let pressed: string | undefined;
  for (;;) {
    const code = pty.ended();
    const text = await pty.screen();
    shots.push({ ms: Date.now() - start, text });
    if (pressAt && pressed === undefined && pressAt.test(text)) {
      await pty.keys('C-c');
      pressed = text;
    }
    if (code !== undefined) return { code, final: await pty.screen(), shots, pressed };
    if (Date.now() - start > 8 * 60_000)
      throw new Error(`the roll did not end in 8 minutes; the terminal shows:\n${text}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The block of batch `i` (`batch i/3 of Maintain nodes: …` to the next unindented line after its phase). */
function batchBlock(screen: string, i: number): string | undefined {
  const lines = screen.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`batch ${i}/`));
  if (at < 0) return undefined;
  let end = at + 2;
  while (end < lines.length && /^\s/.test(lines[end])) end++;
  return lines.slice(at, end).join('\n');
}

/**
 * The finished top-level blocks (`✔ Phase`, `⚠ Phase` and what is indented under it) that something was
 * written after (a block at the very end may still be arriving), keyed by their place and the line before.
 */
function finishedBlocks(screen: string): Map<string, string> {
  const lines = screen.split('\n');
  const out = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    if (!/^[✔⚠✖] /.test(lines[i])) continue;
    let end = i + 1;
    while (end < lines.length && /^\s/.test(lines[end])) end++;
    if (!lines.slice(end).some((l) => l.trim())) continue;
    out.set(`${i}:${lines[i - 1] ?? ''}|${lines[i]}`, lines.slice(i, end).join('\n'));
  }
  return out;
}

/** Asserts `steps` appear in `text` in this order. */
function inOrder(t: ExecutionContext<unknown>, text: string, steps: RegExp[], what: string): void {
  let from = 0;
  for (const s of steps) {
    const m = s.exec(text.slice(from));
    if (!m) {
      t.fail(`${what}: ${s} missing after offset ${from} in:\n${text}`);
      return;
    }
    from += m.index + m[0].length;
  }
  t.pass();
}

let inventory: string | undefined;
const removals: (() => void)[] = [];
test.after.always(() => removals.forEach((r) => r()));
/** The cluster playbooks/ganeti.ts builds, once for the file (each run below leaves it converged or safe). */
async function cluster(t: ExecutionContext<unknown>): Promise<string> {
  if (inventory) return inventory;
  const inv = writeLabInventory(lab(), (r) => removals.push(r));
  const converge = await drover(['run', 'playbooks/ganeti.ts', '-i', inv, '--json', '--no-typecheck']);
  t.is(converge.code, 0, whyFailed(converge));
  await labClusterHealthy(t, lab());
  inventory = inv;
  return inv;
}

labTest(
  "the roll's live view: each step of a node's turn as it happens, finished blocks unchanged, no copies, moving spinners, the recap",
  async (t) => {
    t.timeout(10 * 60_000);
    const state = lab();
    const inv = await cluster(t);
    const [n1, n2, n3] = state.hosts.map((h) => h.name);
    // The master and node2 are due (their daemons run older code than installed); node3 is not.
    for (const i of [0, 1]) await inLabHost(state, i, LAB_UPDATE);
    const { code, final, shots } = await rollOnTerminal(t, inv);
    t.is(code, 0, final);

    // The recap, once, and where the cluster stands.
    t.is(final.match(/^RECAP /gm)?.length, 1, final);
    t.regex(final, /^RECAP \d+\.\d\d s$/m);
    for (const n of [n1, n2, n3])
      t.regex(final, new RegExp(`^${esc(n)} : ok=\\d+ changed=\\d+ unreachable=0 failed=0`, 'm'));
    inOrder(t, final, [/^STATE$/m, new RegExp(`^ {2}master: ${esc(n1)}$`, 'm'), /^ {2}drained: none$/m], 'STATE');

    // No block drawn twice: each phase and batch once, in order; nothing left spinning.
    t.is(final.match(/^✔ Check nodes$/gm)?.length, 1, final);
    t.is(final.match(/^✔ Cluster before$/gm)?.length, 1, final);
    t.is(final.match(/^✔ Maintain node$/gm)?.length, 3, final);
    t.is(final.match(/^✔ Cluster after$/gm)?.length, 1, final);
    t.deepEqual(
      final.match(/^batch \d\/3 of Maintain nodes: \S+$/gm),
      [1, 2, 3].map((i) => `batch ${i}/3 of Maintain nodes: node${i}.example.org`),
    );
    t.false(SPINNERS.test(final), `a spinner is left on the screen:\n${final}`);

    // Every step of node2's turn stays readable once the turn is over (it used to show only the last).
    const turn2 = batchBlock(final, 2) ?? '';
    inOrder(
      t,
      turn2,
      [
        new RegExp(`changed gnt node ${esc(n2)} drained`),
        new RegExp(`gnt evacuate ${esc(n2)}`),
        /changed gnt daemons restart always/,
        new RegExp(`changed gnt node ${esc(n2)} undrained`),
        /gnt cluster verify/,
        /gnt query \(instances running\)/,
      ],
      "node2's turn",
    );
    // The master's turn: its role handed to node2, the node drained, emptied, restarted, undrained, verified, the role back.
    inOrder(
      t,
      batchBlock(final, 1) ?? '',
      [
        new RegExp(`${esc(n2)}: changed gnt master \\(this node\\)`),
        new RegExp(`${esc(n2)}: changed gnt node ${esc(n1)} drained`),
        new RegExp(`${esc(n2)}: .*gnt evacuate ${esc(n1)}`),
        /changed gnt daemons restart always/,
        new RegExp(`${esc(n2)}: changed gnt node ${esc(n1)} undrained`),
        new RegExp(`${esc(n2)}: ✔ gnt cluster verify`),
        /\n {6}changed gnt master \(this node\)/,
      ],
      "the master's turn",
    );
    t.regex(batchBlock(final, 3) ?? '', /Ganeti daemons run the installed code: nothing to do/);

    // As it happens: while node2's turn is at work, the drain shows before the restart ended, the restart before verify ended.
    const live2 = shots
      .map((s) => batchBlock(s.text, 2))
      .filter((b): b is string => !!b && /^❯ Maintain node$/m.test(b));
    t.true(
      live2.some((b) => /gnt node \S+ drained/.test(b) && !/changed gnt daemons restart/.test(b)),
      "node2's drain never showed before its restart ended",
    );
    t.true(
      live2.some((b) => /changed gnt daemons restart/.test(b) && !/✔ gnt cluster verify/.test(b)),
      "node2's restart never showed before its verify ended",
    );

    // A finished block never changes afterwards (it used to be redrawn by calls made for the next node).
    const seen = new Map<string, string>();
    for (const s of shots) {
      for (const [key, block] of finishedBlocks(s.text)) {
        const before = seen.get(key);
        if (before !== undefined && before !== block) {
          t.fail(`a finished block changed at ${s.ms} ms:\n--- before\n${before}\n--- after\n${block}`);
          return;
        }
        seen.set(key, block);
      }
    }
    t.true(seen.size >= 6, `finished blocks seen: ${[...seen.keys()].join(', ')}`);

    // Spinners move: over every 2 s of a phase at work, the host's spinner shows more than one frame.
    const spin = shots
      .map((s) => ({
        ms: s.ms,
        frame: /^ {2}([⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]) node\d/m.exec(s.text.split('\n').slice(-45).join('\n'))?.[1],
      }))
      .filter((s): s is { ms: number; frame: string } => s.frame !== undefined);
    t.true(spin.length > 20, `only ${spin.length} screens with a spinner`);
    for (let i = 0; i < spin.length; i++) {
      const window = spin.filter((s) => s.ms >= spin[i].ms && s.ms < spin[i].ms + 2000);
      if (window.length >= 5 && new Set(window.map((s) => s.frame)).size < 2) {
        t.fail(`the spinner stood still from ${spin[i].ms} ms (${window.length} screens)`);
        return;
      }
    }

    // The clock of a long call (the master-failover, ~15 s) runs: no value stays on screen for 2.5 s
    // (progress events come every 5 s; the clock used to stand still between them).
    const clocks = shots
      .map((s) => ({ ms: s.ms, clock: /gnt\.master: running (\d+:\d\d)$/m.exec(s.text)?.[1] }))
      .filter((c): c is { ms: number; clock: string } => c.clock !== undefined);
    t.true(clocks.length > 10, `only ${clocks.length} screens with gnt.master's clock`);
    let since = clocks[0];
    for (const c of clocks) {
      if (c.clock !== since.clock) since = c;
      else if (c.ms - since.ms >= 2500) {
        t.fail(`gnt.master's clock stood at ${c.clock} from ${since.ms} ms to ${c.ms} ms`);
        break;
      }
    }
    await labClusterHealthy(t, state);
  },
);

labTest(
  'Ctrl-C on the terminal during a drain, a migration, after a restart and in the master’s turn: safe each time, exit 130, STATE, a plain rerun converges',
  async (t) => {
    t.timeout(15 * 60_000);
    const state = lab();
    const inv = await cluster(t);
    const [n1, n2, n3] = state.hosts.map((h) => h.name);
    const pid = (i: number) => inLabHost(state, i, PIDTIME);
    const stateBlock = (screen: string, master: string) =>
      inOrder(
        t,
        screen,
        [
          /^RECAP \(interrupted\) \d+\.\d\d s$/m,
          /^STATE$/m,
          new RegExp(`^ {2}master: ${esc(master)}$`, 'm'),
          /^ {2}drained: none$/m,
          /^ {2}instances: 2 running where they should$/m,
        ],
        'the recap and its STATE',
      );

    // 1. During node2's drain: the drain ends, nothing else is moved, the turn rolls back (undrain, verify), node3 never starts.
    for (const i of [1, 2]) await inLabHost(state, i, LAB_UPDATE);
    const pid2 = await pid(1);
    const drain = await rollOnTerminal(
      t,
      inv,
      new RegExp(`${esc(n1)}: (gnt node ${esc(n2)} drained|gnt\\.nodeFlags: running [\\d:]+)$`, 'm'),
    );
    t.truthy(drain.pressed, drain.final);
    t.is(drain.code, 130, drain.final);
    const turn2 = batchBlock(drain.final, 2) ?? '';
    inOrder(
      t,
      turn2,
      [
        new RegExp(`changed gnt node ${esc(n2)} drained`),
        /Ctrl-C: rolling back \(nothing was restarted\)/,
        new RegExp(`changed gnt node ${esc(n2)} undrained`),
        /gnt cluster verify/,
      ],
      'the drain rolled back',
    );
    t.notRegex(turn2, /gnt evacuate/, 'instances were moved away after Ctrl-C, only to come back');
    t.notRegex(turn2, /gnt daemons restart/);
    t.is(await pid(1), pid2, "node2's daemons were restarted after Ctrl-C");
    t.notRegex(drain.final, /^batch 3\/3/m, 'node3 started after Ctrl-C');
    t.regex(drain.final, new RegExp(`^${esc(n3)} : .*not started$`, 'm'));
    stateBlock(drain.final, n1);
    t.false(SPINNERS.test(drain.final), drain.final);
    await labClusterHealthy(t, state);

    // 2. During node3's migration (inst2 live-migrated away): it ends, the turn rolls back and brings inst2 home.
    //    (node2, still due, is maintained first: this run is also the rerun of 1.)
    const migrate = await rollOnTerminal(
      t,
      inv,
      new RegExp(`${esc(n1)}: (gnt evacuate ${esc(n3)}|gnt\\.evacuate: running [\\d:]+)$`, 'm'),
    );
    t.truthy(migrate.pressed, migrate.final);
    t.is(migrate.code, 130, migrate.final);
    t.regex(batchBlock(migrate.final, 2) ?? '', /changed gnt daemons restart always/, 'node2 maintained');
    const turn3 = batchBlock(migrate.final, 3) ?? '';
    inOrder(
      t,
      turn3,
      [
        new RegExp(`changed gnt evacuate ${esc(n3)}`),
        /Ctrl-C: rolling back \(nothing was restarted\)/,
        new RegExp(`changed gnt node ${esc(n3)} undrained`),
        /gnt cluster verify/,
        new RegExp(`changed gnt migrate inst2\\.example\\.org → ${esc(n3)}`),
      ],
      'the migration rolled back',
    );
    t.notRegex(turn3, /gnt daemons restart/);
    stateBlock(migrate.final, n1);
    await labClusterHealthy(t, state);

    // 3. After node3's restart, before its undrain: the turn finishes (undrain, verify, inst2 home), nothing is rolled back.
    const restart = await rollOnTerminal(t, inv, /^ {6}changed gnt daemons restart always/m);
    t.truthy(restart.pressed, restart.final);
    t.is(restart.code, 130, restart.final);
    const finish3 = batchBlock(restart.final, 3) ?? '';
    inOrder(
      t,
      finish3,
      [
        /changed gnt daemons restart always/,
        new RegExp(`changed gnt node ${esc(n3)} undrained`),
        /gnt cluster verify/,
        new RegExp(`changed gnt migrate inst2\\.example\\.org → ${esc(n3)}`),
      ],
      'the turn finished after Ctrl-C',
    );
    t.notRegex(finish3, /rolling back/);
    stateBlock(restart.final, n1);
    await labClusterHealthy(t, state);

    // 4. In the master's turn, during its drain (the role already on node2): rolled back, the role back on node1.
    await inLabHost(state, 0, LAB_UPDATE);
    const master = await rollOnTerminal(
      t,
      inv,
      new RegExp(`${esc(n2)}: (gnt node ${esc(n1)} drained|gnt\\.nodeFlags: running [\\d:]+)$`, 'm'),
    );
    t.truthy(master.pressed, master.final);
    t.is(master.code, 130, master.final);
    const turn1 = batchBlock(master.final, 1) ?? '';
    inOrder(
      t,
      turn1,
      [
        new RegExp(`${esc(n2)}: changed gnt master \\(this node\\)`),
        new RegExp(`changed gnt node ${esc(n1)} drained`),
        /Ctrl-C: rolling back \(nothing was restarted\)/,
        new RegExp(`changed gnt node ${esc(n1)} undrained`),
        /gnt cluster verify/,
        /\n {6}changed gnt master \(this node\)/,
      ],
      "the master's turn rolled back",
    );
    t.notRegex(turn1, /gnt evacuate|gnt daemons restart/);
    stateBlock(master.final, n1);
    t.is((await inLabHost(state, 0, 'gnt-cluster getmaster')).trim(), n1);
    await labClusterHealthy(t, state);

    // 5. A plain rerun finishes the job: node1 maintained, every node's daemons newer than its Ganeti.
    const rerun = await drover(['run', 'playbooks/ganeti-maintenance.ts', '-i', inv, '--json', '--no-typecheck']);
    t.is(rerun.code, 0, whyFailed(rerun));
    t.deepEqual(
      rerun.events
        .filter((e) => e.kind === 'module-end' && e.module === 'gnt.daemons' && e.status === 'changed')
        .map((e) => e.host),
      [n1],
    );
    for (const i of [0, 1, 2]) t.is((await inLabHost(state, i, FRESH)).trim(), 'fresh', state.hosts[i].name);
    await labClusterHealthy(t, state);
  },
);
