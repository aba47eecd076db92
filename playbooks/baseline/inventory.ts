// The local labs as playbooks/baseline.ts's inventory: `npx drover run playbooks/baseline.ts -i playbooks/baseline/inventory.ts`.
// Needs the labs up: `npx drover lab up 1 --name deb` and `npx drover lab up 1 --profile gentoo --name gen`
// (DROVER_BASELINE_LABS=a,b names others). The admin's key is the lab's own (so you can log in as `ops` too).
import { readFileSync } from 'node:fs';
import { baselineLabInventory, readBaselineLabs } from './lab-inventory.ts';

const labs = await readBaselineLabs((process.env.DROVER_BASELINE_LABS ?? 'deb,gen').split(','));

export default baselineLabInventory(labs, {
  admins: [{ name: 'ops', keys: [readFileSync(`${labs[0].keyFile}.pub`, 'utf8').trim()], comment: 'Operations' }],
  packages: { apt: ['sudo'], portage: ['app-misc/screen'] },
  cronJobs: [{ name: 'heartbeat', job: 'date > /var/tmp/drover-heartbeat', minute: '*/5' }],
});
