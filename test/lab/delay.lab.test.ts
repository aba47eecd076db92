// Tests lab/delay.ts on a real lab host: added round-trip time, loss, and a clean undelay.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { delayPidFile, labDelay, labUndelay } from '../../lab/delay.ts';
import { labSkipReason, useLab } from '../support/lab.ts';

const execFileP = promisify(execFile);
const lab = useLab(test, { name: 'delay', hosts: 1, profile: 'base' });
// One host, delays set and removed in turn: the tests must not overlap.
const labTest = labSkipReason ? test.serial.skip : test.serial;

/** One TCP handshake to the host's sshd: SYN in + SYN-ACK out = one round trip through eth0. */
function connectMs(address: string, timeoutMs = 3000): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect({ host: address, port: 22 });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${address}:22 took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      socket.destroy();
      resolve(ms);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function medianConnectMs(address: string, n = 7): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await connectMs(address));
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)];
}

async function mangleRules(netns: string): Promise<string> {
  const path = netns.startsWith('/') ? netns : `/run/netns/${netns}`;
  const { stdout } = await execFileP('nsenter', [`--net=${path}`, 'iptables', '-t', 'mangle', '-S']);
  return stdout;
}

function processExists(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

labTest('a 25 ms delay each way adds about 50 ms to a round trip, and undelay removes it completely', async (t) => {
  const state = lab();
  const host = state.hosts[0];
  const before = await medianConnectMs(host.address);
  t.true(before < 20, `round trip before the delay: ${before.toFixed(1)} ms`);

  await labDelay(state, host.short, 25);
  t.teardown(() => labUndelay(state, host.short));
  const pidFile = delayPidFile(state, host.short);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  t.true(processExists(pid), 'the queue process runs');
  t.regex(await mangleRules(host.netns), /NFQUEUE/);

  const delayed = await medianConnectMs(host.address);
  t.true(
    delayed > before + 35 && delayed < before + 200,
    `with 25 ms each way: ${delayed.toFixed(1)} ms (before ${before.toFixed(1)} ms)`,
  );

  // Setting a delay again replaces the old one (one process, one pair of rules).
  await labDelay(state, host.name, 5);
  const pid2 = Number(readFileSync(pidFile, 'utf8'));
  t.not(pid2, pid);
  t.false(processExists(pid), 'the replaced queue process has exited');
  t.is((await mangleRules(host.netns)).match(/NFQUEUE/g)?.length, 2);

  await labUndelay(state, host.short);
  const after = await medianConnectMs(host.address);
  t.true(after < 20, `round trip after undelay: ${after.toFixed(1)} ms`);
  t.false(processExists(pid2), 'the queue process has exited');
  t.false(existsSync(pidFile), 'the PID file is gone');
  t.notRegex(await mangleRules(host.netns), /NFQUEUE|drover-lab-delay/);
});

labTest('100% loss makes the host unreachable until undelay', async (t) => {
  const state = lab();
  const host = state.hosts[0];
  await labDelay(state, host.short, 0, 0, 100);
  t.teardown(() => labUndelay(state, host.short));
  await t.throwsAsync(connectMs(host.address, 1500), { message: /longer than 1500 ms/ });
  await labUndelay(state, host.short);
  t.true((await connectMs(host.address)) < 1000);
});

labTest('bad arguments are refused with a message naming the host and the value', async (t) => {
  const state = lab();
  await t.throwsAsync(labDelay(state, 'node99', 25), { message: /lab delay: no host "node99"/ });
  await t.throwsAsync(labDelay(state, state.hosts[0].short, -1), {
    message: /delay must be a number from 0 to 60000, got -1/,
  });
  await t.throwsAsync(labDelay(state, state.hosts[0].short, 10, 0, 150), {
    message: /loss must be a number from 0 to 100, got 150/,
  });
  // undelay on a host without a delay is a no-op
  await labUndelay(state, state.hosts[0].short);
  t.notRegex(await mangleRules(state.hosts[0].netns), /NFQUEUE/);
});
