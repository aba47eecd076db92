// hostname: the FQDN in /etc/hostname and /etc/conf.d/hostname (OpenRC), applied live, /etc/hosts entries, then checked.
import { defineModule } from '../../core/module.ts';
import { ProbeFrame } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';
import { hostnameFacts, parseVerify, verifyProbe, VERIFY_SECTIONS, type HostnameFacts } from './hostname-facts.ts';
import {
  planHostname,
  validateHostname,
  verifyNames,
  type HostnameParams,
  type HostnameResult,
} from './hostname-plan.ts';
import { applyTextFile } from '../shared/text-file-plan.ts';

export type { HostnameParams, HostnameResult } from './hostname-plan.ts';

/**
 * Sets the host name (OpenRC: /etc/hostname wins since OpenRC 0.22, /etc/conf.d/hostname is the
 * fallback — both are written) and applies it live with `hostname NAME`. One round trip when nothing
 * changes; the files are written atomically (owner and mode kept) and reported together here.
 *
 * @example
 * await hostname(host, { name: 'node1.example.org', hosts: { '10.1.0.11': ['node1.example.org', 'node1'] } })
 */
export const hostname = defineModule<HostnameParams, HostnameFacts, HostnameResult>({
  name: 'hostname',
  title: (p) => `hostname ${p.name}`,
  validate: validateHostname,
  facts: hostnameFacts,
  plan: (p, f) => {
    const { result, files, setLive } = planHostname(p, f);
    if (!result.changed) return { result };
    return {
      result,
      apply: async (host) => {
        for (const file of files) await applyTextFile(host, file);
        // One round trip: the live name (a failing `hostname NAME` stops here, its exit code and stderr
        // make the error), then what the host now says.
        const frame = new ProbeFrame();
        const after = await host.exec(
          ShellCommand.join([setLive ? sh`hostname ${p.name} >&2 || exit` : sh`:`, verifyProbe(frame, p.name)]),
        );
        const names = parseVerify(frame.parse(after.stdoutBytes, VERIFY_SECTIONS));
        if (p.verify !== false) verifyNames(p.name, names);
        return { fqdn: names.fqdn, addresses: names.addresses };
      },
    };
  },
});
