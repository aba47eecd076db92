// Describes the machine and the versions a benchmark ran with (recorded next to the results).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface Environment {
  cpu: string;
  cores: number;
  memGiB: number;
  kernel: string;
  os: string;
  node: string;
  ansible: string;
  python: string;
  openssh: string;
  drover: string;
  commit: string;
  load: string;
}

async function firstLine(cmd: string, args: string[], stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
  try {
    const r = await execFileP(cmd, args);
    return (stream === 'stdout' ? r.stdout : r.stderr).trim().split('\n')[0];
  } catch (err) {
    return `unknown (${(err as Error).message.split('\n')[0]})`;
  }
}

export async function describeEnvironment(repo: string): Promise<Environment> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const pkg = JSON.parse(await readFile(`${repo}/package.json`, 'utf8')) as { version: string };
  return {
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    os: /PRETTY_NAME="([^"]*)"/.exec(osRelease)?.[1] ?? os.type(),
    node: process.version,
    ansible: await firstLine('ansible-playbook', ['--version']),
    python: await firstLine('/usr/bin/python3', ['--version']),
    openssh: await firstLine('ssh', ['-V'], 'stderr'),
    drover: pkg.version,
    commit: await firstLine('git', ['-C', repo, 'rev-parse', '--short', 'HEAD']),
    load: (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' '),
  };
}
