// Test fixture (issue 22): runs `drover lab delay` on a machine where iptables, and maybe apt-get, cannot be run.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { BIN } from './cli.ts';

/**
 * Runs `drover lab delay` in a private mount namespace where iptables cannot be run (/dev/null mounted over
 * it) and apt-get is `aptGet` (a script) or cannot be run either.
 */
export function delayWithoutIptables(
  t: ExecutionContext,
  aptGet?: string,
  name = 'h22enone',
): { code: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-h22e-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const stub = path.join(dir, 'apt-get');
  writeFileSync(stub, aptGet ?? '');
  chmodSync(stub, aptGet ? 0o755 : 0o644);
  // The stub's path comes in as $0: no path is spliced into the script.
  const hide =
    'mount --bind /dev/null "$(readlink -f /usr/sbin/iptables)" && mount --bind "$0" /usr/bin/apt-get && exec "$@"';
  const r = spawnSync(
    'unshare',
    [
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      hide,
      stub,
      process.execPath,
      BIN,
      'lab',
      'delay',
      'node1',
      '50',
      '--name',
      name,
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
