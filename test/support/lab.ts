// Test fixture: brings a lab instance up before a test file's tests and down after them; SSH hosts on it via connectHost.
import type { ExecutionContext, TestFn } from 'ava';
import { labDown, labUp, labUnavailableReason, type LabProfile, type LabState } from '../../lab/index.ts';
import { upTools } from '../../lab/preflight.ts';
import { connectHost, type TestHost } from './host.ts';

/** Why lab tests cannot run here (not root, not Linux, a tool missing), or undefined. */
export const labSkipReason: string | undefined = labUnavailableReason(upTools);

/**
 * `test.serial` when the lab can run here, else `test.serial.skip` (reported as skipped). ava cannot
 * skip an already declared test at run time, so tests that must be skipped (not failed) without root
 * are declared with `const labTest = labSerialTest(test); labTest('title', async (t) => ...)`.
 */
export function labSerialTest<C>(test: TestFn<C>): (title: string, impl: (t: ExecutionContext<C>) => unknown) => void {
  return labSkipReason ? (title, impl) => test.serial.skip(title, impl) : (title, impl) => test.serial(title, impl);
}

let warned = false;

/**
 * Registers test.before (labUp) and test.after.always (labDown) for lab `opts.name` (unique per test file)
 * and returns a getter for its state. Without root/Linux/tools, logs why and the getter throws that reason.
 */
export function useLab<C>(
  test: TestFn<C>,
  opts: { name: string; hosts?: number; profile?: LabProfile },
): () => LabState {
  let state: LabState | undefined;
  if (labSkipReason) {
    if (!warned) process.stderr.write(`drover lab tests skipped: ${labSkipReason}\n`);
    warned = true;
    test.before(`lab ${opts.name} unavailable`, (t) => {
      t.log(`skipped: ${labSkipReason}`);
      t.pass();
    });
    return () => {
      throw new Error(`lab tests cannot run here: ${labSkipReason}`);
    };
  }
  test.before(`lab ${opts.name} up`, async (t) => {
    t.timeout(20 * 60_000, 'building lab layers can take minutes on a cold cache');
    // A lab of this name left by an interrupted earlier run of this file: names are unique per test file, so it is ours.
    await labDown(opts.name);
    state = await labUp({
      name: opts.name,
      hosts: opts.hosts ?? 3,
      profile: opts.profile ?? 'base',
      log: (l) => t.log(l),
    });
    t.pass();
  });
  test.after.always(`lab ${opts.name} down`, async () => {
    await labDown(opts.name);
  });
  return () => {
    if (!state) throw new Error(`lab ${opts.name} is not up (did its test.before fail?)`);
    return state;
  };
}

/** A real Host over SSH to lab host `index` (0-based), verified against the lab's known_hosts. */
export function labHost(
  lab: LabState,
  index: number,
  opts: { check?: boolean; diff?: boolean; vars?: Record<string, unknown> } = {},
): TestHost {
  const h = lab.hosts[index];
  if (!h) throw new Error(`lab ${lab.name} has no host with index ${index} (it has ${lab.hosts.length})`);
  return connectHost(
    { address: h.address, user: 'root', keyFile: lab.keyFile, knownHostsFile: lab.knownHostsFile, name: h.name },
    opts,
  );
}

/**
 * Opens connections to one lab host for a test file and closes them all after it:
 * `const open = labHostOpener(test, lab); const { host } = open({ check: true })`.
 */
export function labHostOpener<C>(
  test: TestFn<C>,
  lab: () => LabState,
  index = 0,
): (opts?: { check?: boolean; diff?: boolean; vars?: Record<string, unknown> }) => TestHost {
  const opened: TestHost[] = [];
  test.after.always(async () => {
    for (const t of opened) await t.close();
  });
  return (opts = {}) => {
    const t = labHost(lab(), index, opts);
    opened.push(t);
    return t;
  };
}
