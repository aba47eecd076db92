// kmod: a kernel module's options (modprobe.d), autoload (modules-load.d), loading now, and a check of the loaded parameters.
import { defineModule } from '../../core/module.ts';
import { kmodFacts, kmodState, type KmodFacts } from './kmod-facts.ts';
import { checkLoaded, planKmod, validateKmod, type KmodParams, type KmodResult } from './kmod-plan.ts';
import { applyTextFile } from '../shared/text-file-plan.ts';

export type { KmodParams, KmodResult } from './kmod-plan.ts';

/**
 * Kernel module setup in one probe round trip: modprobe.d options, modules-load.d autoload, `modprobe`
 * when not loaded, and the loaded parameters checked against the options. When the kernel has no such
 * module (no /lib/modules/$(uname -r), modinfo fails) the files are still written and the load part is
 * reported as skipped — it never pretends the module loaded.
 *
 * @example
 * await kmod(host, { name: 'drbd', options: { minor_count: 128, usermode_helper: '/bin/true' } })
 */
export const kmod = defineModule<KmodParams, KmodFacts, KmodResult>({
  name: 'kmod',
  title: (p) => `kmod ${p.name}`,
  validate: validateKmod,
  facts: kmodFacts,
  plan: (p, f) => {
    const { result, files, load } = planKmod(p, f);
    if (!result.changed) return { result };
    return {
      result,
      apply: async (host) => {
        for (const file of files) await applyTextFile(host, file);
        if (!load) return;
        await host.exec(load);
        // Read back: modprobe exiting 0 is not proof the module is there with these parameters.
        // (apply never runs in --check, so the host itself serves as the reader.)
        return checkLoaded(p, await kmodState(host, p));
      },
    };
  },
});
