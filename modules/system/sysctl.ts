// sysctl: a kernel parameter, persisted in /etc/sysctl.d and set in the running kernel (Ansible's sysctl module).
import { defineModule } from '../../core/module.ts';
import { sh } from '../../core/sh.ts';
import { applyTextFile } from '../shared/text-file-plan.ts';
import { procPath, sysctlFacts, type SysctlFacts } from './sysctl-facts.ts';
import { checkReadBack, planSysctl, validateSysctl, type SysctlParams, type SysctlResult } from './sysctl-plan.ts';

export type { SysctlParams, SysctlResult } from './sysctl-plan.ts';

/**
 * One kernel parameter in one probe round trip: its line in a sysctl.d file (other lines kept, later
 * duplicates of the key removed) and its running value, set with `sysctl -w` and read back. Values are
 * compared word by word, so '1024 65000' matches the kernel's tab-separated `1024\t65000`.
 *
 * @example
 * await sysctl(host, { name: 'net.ipv4.ip_forward', value: 1 })
 * await sysctl(host, { name: 'net.ipv4.ip_local_port_range', value: [10000, 65000], file: '/etc/sysctl.d/60-ports.conf' })
 */
export const sysctl = defineModule<SysctlParams, SysctlFacts, SysctlResult>({
  name: 'sysctl',
  title: (p) => `sysctl ${p.name}${p.state === 'absent' ? ' absent' : ''}`,
  validate: validateSysctl,
  facts: sysctlFacts,
  plan: (p, f) => {
    const { result, file, setLive } = planSysctl(p, f);
    if (!result.changed) return { result };
    return {
      result,
      apply: async (host) => {
        if (file) await applyTextFile(host, file);
        if (setLive === undefined) return;
        await host.exec(sh`sysctl -q -w -- ${`${p.name}=${setLive}`}`);
        checkReadBack(p, setLive, (await host.exec(sh`cat -- ${procPath(p.name)}`)).stdout.replace(/\n$/, ''));
      },
    };
  },
});
