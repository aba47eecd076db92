// Time sync for playbooks/baseline.ts: chrony from the host's package manager, its servers, its service by init.
import type { Host } from 'drover';
import { facts, notifyRestart, service, sysfile } from 'drover/modules';
import { installPackages } from './packages.ts';

/** chrony.conf (pure): the servers, and what every chrony.conf of Debian and Gentoo also says. */
export function chronyConf(servers: readonly string[]): string {
  if (servers.length === 0) throw new Error('timeServers: give at least one server');
  for (const s of servers)
    if (!/^[A-Za-z0-9.:-]+$/.test(s)) throw new Error(`timeServers: not a host name or address: ${JSON.stringify(s)}`);
  return [
    '# Managed by drover (playbooks/baseline.ts).',
    ...servers.map((s) => `server ${s} iburst`),
    'driftfile /var/lib/chrony/chrony.drift',
    'makestep 1.0 3',
    'rtcsync',
    '',
  ].join('\n');
}

/**
 * Debian's package and service are `chrony`; Gentoo's `net-misc/chrony` and `chronyd`. Both read
 * /etc/chrony/chrony.conf. Not run in the lab: a lab host's clock is the machine's (there is no time
 * namespace for the wall clock), and a chronyd there would step it.
 */
export async function syncTime<V>(host: Host<V>, servers: readonly string[]): Promise<void> {
  const { packageManager, init } = await facts(host, 'packageManager', 'init');
  await installPackages(host, packageManager, { apt: ['chrony'], portage: ['net-misc/chrony'] });
  const conf = await sysfile(host, { path: '/etc/chrony/chrony.conf', content: chronyConf(servers), mode: '0644' });
  const name = packageManager.name === 'portage' ? 'chronyd' : 'chrony';
  if (init.system === 'unknown') throw new Error('time sync needs OpenRC or systemd to run chronyd');
  await service(host, { name, state: 'started', enabled: true });
  notifyRestart(host, name, conf);
}
