// Adds latency, jitter and loss to one lab host's network in user space (this kernel has no tc netem).
//
// Both directions of the host's eth0 go to an NFQUEUE inside its network namespace (iptables mangle
// PREROUTING -i eth0 and OUTPUT -o eth0); delay-queue.py, run in that namespace, holds each packet for
// the delay and then lets it through (or drops it). Its PID is kept in the lab's state dir so that
// labUndelay and labDown stop exactly that process.
import { spawn, execFile } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LabHostState, LabState } from './index.ts';
import { ensureLabTools } from './install-tools.ts';
import { delayTools } from './preflight.ts';

const execFileP = promisify(execFile);

/** Queue number used in every host's namespace (queues are per network namespace, so one number serves all). */
const QUEUE_NUM = 7;
/** Marks our rules so removal touches nothing else. */
const RULE_COMMENT = 'drover-lab-delay';
const QUEUE_PROGRAM = fileURLToPath(new URL('./delay-queue.py', import.meta.url));
/** The system python (not a user's pyenv shim): the program only needs the standard library. */
const PYTHON = '/usr/bin/python3';

function findHost(state: LabState, node: string): LabHostState {
  const host = state.hosts.find((h) => h.name === node || h.short === node);
  if (!host) {
    throw new Error(`lab ${state.name}: no host "${node}" (hosts: ${state.hosts.map((h) => h.short).join(', ')})`);
  }
  return host;
}

function netnsPath(host: LabHostState): string {
  return host.netns.startsWith('/') ? host.netns : `/run/netns/${host.netns}`;
}

/** The PID file of a host's delay process; labDown reads the same name (`delay-<short>.pid`). */
export function delayPidFile(state: LabState, node: string): string {
  return join(state.dir, `delay-${findHost(state, node).short}.pid`);
}

function ruleArgs(action: '-A' | '-D', chain: 'PREROUTING' | 'OUTPUT'): string[] {
  const direction = chain === 'PREROUTING' ? '-i' : '-o';
  return [
    '-t',
    'mangle',
    action,
    chain,
    direction,
    'eth0',
    '-m',
    'comment',
    '--comment',
    RULE_COMMENT,
    '-j',
    'NFQUEUE',
    '--queue-num',
    String(QUEUE_NUM),
    '--queue-bypass',
  ];
}

async function iptables(host: LabHostState, args: string[]): Promise<void> {
  // The same places preflight looked in: iptables lives in /usr/sbin, which a user's PATH may lack.
  const env = { ...process.env, PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin` };
  await execFileP('nsenter', [`--net=${netnsPath(host)}`, 'iptables', '-w', ...args], { env });
}

/** Removes every copy of our two rules (none present is fine). */
async function removeRules(host: LabHostState): Promise<void> {
  for (const chain of ['PREROUTING', 'OUTPUT'] as const) {
    for (let i = 0; i < 16; i++) {
      try {
        await iptables(host, ruleArgs('-D', chain));
      } catch {
        break; // no (more) such rule
      }
    }
  }
}

function isAlive(pid: number): Promise<boolean> {
  return readFile(`/proc/${pid}/stat`, 'utf8').then(
    (stat) => !/^\d+ \(.*\) Z/.test(stat),
    () => false,
  );
}

/** True when `pid` still runs delay-queue.py (guards against a PID reused by something else). */
async function isQueueProcess(pid: number): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('delay-queue.py') && (await isAlive(pid));
  } catch {
    return false;
  }
}

/** Stops the delay process recorded in `pidFile`, if any, and removes the file. Used by labDown too. */
export async function stopDelayProcess(pidFile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number.parseInt(await readFile(pidFile, 'utf8'), 10);
  } catch {
    return; // no delay recorded
  }
  if (Number.isInteger(pid) && pid > 1 && (await isQueueProcess(pid))) {
    // SIGTERM makes it accept the packets it still holds before exiting.
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 3000;
    while ((await isAlive(pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (await isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  await rm(pidFile, { force: true });
}

/** Starts delay-queue.py in the host's namespace and resolves with its PID once the queue is bound. */
function startQueueProcess(host: LabHostState, args: string[], logFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const log = openSync(logFile, 'w');
    const child = spawn('nsenter', [`--net=${netnsPath(host)}`, PYTHON, QUEUE_PROGRAM, String(QUEUE_NUM), ...args], {
      detached: true, // outlives the CLI that started it; labUndelay / labDown stop it by PID
      stdio: ['ignore', 'pipe', log],
    });
    closeSync(log);
    let out = '';
    const fail = async (why: string) => {
      clearTimeout(timer);
      const tail = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-3).join('\n');
      reject(new Error(`${host.name}: delay queue did not start (${why})${tail ? `:\n${tail}` : ''}`));
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      void fail('no "ready" within 10 s');
    }, 10_000);
    child.once('error', (err) => void fail(err.message));
    child.once('exit', (code, signal) => void fail(`exited with ${signal ?? `code ${code}`}`));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('ready\n')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout!.destroy();
      child.unref();
      resolve(child.pid!);
    });
  });
}

/**
 * Delays every packet to and from `node` by `ms` (± `jitterMs`, without reordering) and drops
 * `lossPct` percent of them. Replaces a delay already set on that host.
 */
export async function labDelay(
  state: LabState,
  node: string,
  ms: number,
  jitterMs = 0,
  lossPct = 0,
  log: (line: string) => void = (l) => void process.stderr.write(`${l}\n`),
): Promise<void> {
  const host = findHost(state, node);
  for (const [what, v, max] of [
    ['delay', ms, 60_000],
    ['jitter', jitterMs, 60_000],
    ['loss', lossPct, 100],
  ] as const) {
    if (!Number.isFinite(v) || v < 0 || v > max) {
      throw new Error(`lab ${state.name} ${host.short}: ${what} must be a number from 0 to ${max}, got ${v}`);
    }
  }
  // iptables and the system python may be missing on a fresh machine: installed here, or one clear line.
  await ensureLabTools('the delay', delayTools, log);
  await labUndelay(state, node);
  const pidFile = delayPidFile(state, node);
  const pid = await startQueueProcess(
    host,
    [String(ms), String(jitterMs), String(lossPct)],
    join(state.dir, `delay-${host.short}.log`),
  );
  await writeFile(pidFile, `${pid}\n`);
  try {
    await iptables(host, ruleArgs('-A', 'PREROUTING'));
    await iptables(host, ruleArgs('-A', 'OUTPUT'));
  } catch (err) {
    await removeRules(host);
    await stopDelayProcess(pidFile);
    // iptables' own last words ("No chain/target/match by that name": no NFQUEUE in this kernel), not node's "Command failed: ...".
    const said =
      String((err as { stderr?: unknown }).stderr ?? '')
        .trim()
        .split('\n')
        .pop() || (err as Error).message.split('\n')[0];
    throw new Error(
      `${host.name}: could not add the NFQUEUE rules (the kernel needs nfnetlink_queue and xt_NFQUEUE): ${said}`,
    );
  }
}

/** Removes a host's delay: the rules first (traffic flows directly again), then the queue process. */
export async function labUndelay(state: LabState, node: string): Promise<void> {
  const host = findHost(state, node);
  await removeRules(host);
  await stopDelayProcess(delayPidFile(state, node));
  await rm(join(state.dir, `delay-${host.short}.log`), { force: true });
}
