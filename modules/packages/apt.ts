// apt: Debian packages installed, upgraded or removed with apt-get, the package lists updated when asked (Ansible's apt module).
import { defineModule } from '../../core/module.ts';
import { ProbeFrame } from '../../core/probe-frame.ts';
import type { Host } from '../../core/host.ts';
import { aptFacts, aptProbeCommand, APT_SECTIONS, parseAptFacts, type AptFacts } from './apt-facts.ts';
import {
  checkPackages,
  nameList,
  needsUpdate,
  packageCommand,
  planPackages,
  updateCommand,
  validateApt,
  type AptParams,
  type AptResult,
} from './apt-plan.ts';

export type { AptParams, AptResult } from './apt-plan.ts';

/** The facts read again (after an update or a change): the same probe, outside the module's own read. */
async function reread(host: Host<unknown>, names: readonly string[]): Promise<AptFacts> {
  const frame = new ProbeFrame();
  const r = await host.exec(aptProbeCommand(frame, names));
  return parseAptFacts(frame.parse(r.stdoutBytes, APT_SECTIONS));
}

/**
 * Packages on a Debian-family host in one probe round trip (dpkg-query, apt-cache policy, the lists'
 * age): one `apt-get install` for everything missing, one `apt-get remove|purge` for everything
 * present that should not be, then dpkg is asked again and must agree. With `updateCache`, the lists
 * are updated first (unless younger than `cacheValidTime`), and packages apt did not know before are
 * planned after it. Never run on a host without apt: that is an error naming what is missing.
 *
 * @example
 * await apt(host, { names: ['chrony', 'htop'], updateCache: true, cacheValidTime: 3600 })
 * await apt(host, { names: 'telnet', state: 'absent', purge: true })
 */
export const apt = defineModule<AptParams, AptFacts, AptResult>({
  name: 'apt',
  title: (p) => `apt ${nameList(p).join(' ')}${p.state && p.state !== 'present' ? ` ${p.state}` : ''}`,
  validate: validateApt,
  facts: aptFacts,
  plan: (p, f) => {
    if (!f.haveApt) throw new Error('no dpkg-query/apt-get on this host: not a Debian-family system');
    const update = needsUpdate(p, f);
    const { install, remove, pending, messages } = planPackages(p, f, update);
    if (update) messages.unshift('update the package lists');
    const result: AptResult = {
      changed: update || install.length + remove.length + pending.length > 0,
      installed: install.map((n) => (n.includes('=') || !f.candidate[n] ? n : `${n}=${f.candidate[n]}`)),
      removed: remove,
      cacheUpdated: update,
    };
    if (messages.length) result.message = messages.join('; ');
    if (!result.changed) return { result };
    return {
      result,
      apply: async (host) => {
        let plan = { install, remove };
        if (update) {
          await host.exec(updateCommand);
          // planned again on the new lists: a package new in them, a newer candidate for latest
          plan = planPackages(p, await reread(host, nameList(p)));
        }
        if (plan.install.length + plan.remove.length === 0) return { installed: [], removed: [] };
        await host.exec(packageCommand(p, plan.install, plan.remove), { progress: true });
        const installed = checkPackages(p, await reread(host, nameList(p)), plan.install, plan.remove);
        return { installed, removed: plan.remove };
      },
    };
  },
});
