// The play vars of playbooks/ganeti-maintenance.ts: the cluster's (playbooks/ganeti/vars.ts) plus a few optional knobs, settable with -e.
import type { NonMirroredPolicy } from 'drover/modules';
import type { ClusterVars } from '../vars.ts';

export interface MaintenanceVars extends ClusterVars {
  /**
   * Nodes to maintain even when their Ganeti daemons run the installed code (`-e 'maintain=["node2.example.org"]'`).
   * Without it only nodes whose Ganeti was installed or updated after their daemons started are maintained.
   */
  maintain?: string[];
  /** What maintaining a node does once it is empty: restart Ganeti's daemons (default) or reboot it. */
  maintenanceAction?: 'restart' | 'reboot';
  /** Live migration (default true); false migrates with --non-live. */
  liveMigration?: boolean;
  /**
   * Instances whose disk template cannot migrate (file, plain). Default: 'stay' when the action is a
   * daemon restart (the hypervisor keeps them running), 'fail' for a reboot (they would go down).
   */
  nonMirrored?: NonMirroredPolicy;
}
