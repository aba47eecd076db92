// The binhost phase of playbooks/ganeti.ts: one node builds each package once (--buildpkg) and serves them over HTTP;
// the others install its binary packages (falling back to a build when none matches), before "Prepare nodes".
import type { Play } from 'drover';
import { binhostServer, emerge } from 'drover/modules';
import { packageSteps } from './plan.ts';
import type { ClusterVars, NodeVars } from './vars.ts';

/** Cluster vars for a binhost (vars of the `ganeti` group or `all`), like Ansible group vars. */
export interface BinhostVars {
  /**
   * Inventory name of the node that builds the packages once, with `emerge --buildpkg`, and serves its PKGDIR
   * over HTTP (python3's http.server as the OpenRC service drover-binhost) for the other nodes to install from
   * (`emerge --getbinpkg`, PORTAGE_BINHOST). A binary built with other USE flags is not taken: that node builds.
   * Omit: every node builds its own packages.
   */
  binhost?: string;
  /** Port of the binhost's HTTP server. Default 8200. */
  binhostPort?: number;
}

/** Builds on the binhost, serves, then installs the binaries on the other nodes (Prepare nodes then finds them installed). */
export async function binaryPackages(play: Play<NodeVars, ClusterVars & BinhostVars>): Promise<void> {
  const c = play.vars;
  if (!c.binhost) return;
  const builder = play.host(c.binhost);
  const port = c.binhostPort ?? 8200;
  const steps = packageSteps(c);
  await play.on(builder, 'Build packages (binhost)', async (host) => {
    for (const s of steps)
      await emerge(host, { atoms: s.atoms, use: s.use, keywords: s.keywords, configFile: 'ganeti', buildpkg: true });
    await binhostServer(host, { port });
  });
  // By address: the nodes' /etc/hosts is written only in the next phase.
  const url = `http://${builder.vars.publicIp}:${port}`;
  const others = play.hosts.filter((h) => h.name !== builder.name);
  await play.onEach(others, 'Install binary packages', async (host) => {
    for (const s of steps)
      await emerge(host, { atoms: s.atoms, use: s.use, keywords: s.keywords, configFile: 'ganeti', binhost: url });
  });
}
