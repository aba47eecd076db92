// Never silent, through the CLI: a host whose ~/.ssh/config uses a directive drover does not implement is
// unreachable with file:line and the directive — and nothing connects to it. HOME points at a temporary
// directory holding .ssh/config (drover has no ssh_config setting of its own yet).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { drover, recap } from '../../support/cli.ts';

test('refused directives and Match exec: unreachable with file:line before any connection', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drover-sshcfg-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A TCP listener standing in for the hosts: any connection attempt would reach it.
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as net.AddressInfo).port;

  const home = path.join(dir, 'home');
  mkdirSync(path.join(home, '.ssh'), { recursive: true });
  const marker = path.join(dir, 'exec-ran');
  const config = path.join(home, '.ssh', 'config');
  // A usable key, so that only the refusal (not a missing key) can keep drover from connecting.
  const key = path.join(home, '.ssh', 'id_ed25519');
  t.is(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]).status, 0);
  writeFileSync(
    config,
    [
      'Host *',
      '  HostName 127.0.0.1',
      `  Port ${port}`,
      '  ServerAliveInterval 30',
      `  IdentityFile ${key}`,
      'Host jumpy',
      '  ProxyCommand nc %h %p',
      '  ProxyUseFdpass yes',
      'Host aliased',
      '  HostKeyAlias someone-else',
      '  StrictHostKeyChecking no',
      `Match originalhost execy exec "touch ${marker}"`,
      '  User x',
      '',
    ].join('\n'),
  );
  const inventory = path.join(dir, 'hosts.ini');
  writeFileSync(inventory, '[all]\njumpy\naliased\nexecy\n');

  // The CLI child inherits process.env: this worker runs only this file.
  const oldHome = process.env.HOME;
  process.env.HOME = home;
  t.teardown(() => (process.env.HOME = oldHome));
  const r = await drover(['run', 'test/fixtures/ssh-config/playbook.ts', '-i', inventory, '--json']);

  t.is(r.code, 4, r.stdout + r.stderr);
  const stats = recap(r);
  for (const h of ['jumpy', 'aliased', 'execy']) t.is(stats[h].unreachable, 1, h);
  const message = (h: string) => r.events.find((e) => e.kind === 'host-unreachable' && e.host === h)?.message ?? '';
  t.regex(message('jumpy'), new RegExp(`${config}:8: ProxyUseFdpass yes — `));
  t.regex(message('aliased'), new RegExp(`${config}:11: StrictHostKeyChecking no — `));
  t.notRegex(message('aliased'), /HostKeyAlias/, 'HostKeyAlias is honoured now');
  t.regex(message('execy'), new RegExp(`${config}:12: Match exec "touch [^"]*": drover never runs commands`));
  t.false(existsSync(marker), 'Match exec was not run');
  t.is(connections, 0, 'nothing connected to the hosts');
});
