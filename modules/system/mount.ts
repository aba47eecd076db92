// mount: a filesystem's fstab entry and whether it is mounted now (Ansible's mount module, states mounted/present/unmounted/absent).
import { defineModule } from '../../core/module.ts';
import { applyTextFile } from '../shared/text-file-plan.ts';
import { mountFacts, type MountFacts } from './mount-facts.ts';
import { planMount, validateMount, type MountParams, type MountResult } from './mount-plan.ts';

export type { MountParams, MountResult } from './mount-plan.ts';

/**
 * One mount point in one probe round trip (/proc/self/mountinfo, the fstab, the mount point, the
 * source's device numbers): its fstab line (other lines kept, later duplicates removed) and its live
 * state. Mounting uses the params themselves (`mount -t TYPE -o OPTS -- SRC PATH`), not a lookup in
 * the fstab, so a custom `fstab` works too. A mount point already holding something else is an error,
 * never unmounted behind your back.
 *
 * @example
 * await mount(host, { path: '/srv/data', src: 'LABEL=data', fstype: 'ext4', opts: 'noatime', state: 'mounted' })
 */
export const mount = defineModule<MountParams, MountFacts, MountResult>({
  name: 'mount',
  title: (p) => `mount ${p.path} ${p.state}`,
  validate: validateMount,
  facts: mountFacts,
  plan: (p, f) => {
    const { result, fstab, live } = planMount(p, f);
    if (!result.changed) return { result };
    return {
      result,
      apply: async (host) => {
        // fstab first: a mount that fails still leaves the wanted entry, and the error says why it did not mount
        if (fstab) await applyTextFile(host, fstab);
        if (live) await host.exec(live);
      },
    };
  },
});
