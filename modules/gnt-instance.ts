// gnt.instance: an instance added once (gnt-instance add) on the master; an existing one is never rebuilt.
import { defineModule, type Result } from '../core/module.ts';
import { sh } from '../core/sh.ts';
import { checkDnsName } from './dns-name.ts';
import { checkWord, halfInitialised, notInitialised, notInstalled, notMaster, probe } from './gnt-common.ts';
import { paramList, parseList, type ParamValue } from './gnt-parse.ts';
import { captureOrBroken } from './gnt-probe.ts';

/** An instance to ensure, for {@link gnt.instance} (runs on the master). */
export interface InstanceParams {
  /** Instance name (an FQDN that resolves, unless `nameCheck: false`). */
  name: string;
  /** OS definition (`-o`): `noop` from ganeti-os-noop, `debootstrap+default`, `image+default`, ... */
  os: string;
  /** Disk template (`-t`): drbd, plain, file, sharedfile, diskless, ... (must be enabled on the cluster). */
  template: string;
  /** Disk sizes (`--disk N:size=S`), e.g. `['1G']`. Ignored for diskless. Ganeti's default policy wants >= 1 GiB. */
  disks?: string[];
  /** NICs (`--net N:k=v`); default one NIC with the cluster's NIC params. `[]` means `--no-nics`. */
  nics?: Record<string, ParamValue>[];
  /** Primary node (`-n`); with `secondaryNode` (drbd) `-n primary:secondary`. Default: Ganeti's iallocator. */
  node?: string;
  secondaryNode?: string;
  /** Start the instance after creating it (default true). */
  start?: boolean;
  /** Resolve the name and check its IP is unused (default true; the lab has no DNS for instances). */
  nameCheck?: boolean;
  /** Backend params for this instance (`-B`). */
  backendParams?: Record<string, ParamValue>;
  /** Hypervisor params for this instance (`-H hv:...` is the cluster's; here `-H k=v` for the default hypervisor). */
  hypervisorParams?: Record<string, ParamValue>;
}

export interface InstanceResult extends Result {
  /** The instance as `gnt-instance list` shows it (after creating it; absent in --check before creation). */
  instance?: { name: string; pnode: string; status: string; template: string; os: string };
}

const LIST_FIELDS = ['name', 'pnode', 'status', 'disk_template', 'os'] as const;

/** `gnt-instance add` arguments for the params: pure, so tests can check them. */
export function instanceAddArgs(p: InstanceParams): string[] {
  checkDnsName(p.name, 'gnt.instance: name');
  checkWord(p.template, 'gnt.instance: template');
  checkWord(p.os, 'gnt.instance: os');
  if (p.node !== undefined) checkDnsName(p.node, 'gnt.instance: node');
  if (p.secondaryNode !== undefined) checkDnsName(p.secondaryNode, 'gnt.instance: secondaryNode');
  for (const [i, size] of (p.disks ?? []).entries()) {
    if (!/^\d+(\.\d+)?[MGTmgt]?$/.test(String(size))) throw new Error(`gnt.instance: disks[${i}] ${JSON.stringify(size)} is not a size like '1G' or '512M'`);
  }
  const args = ['-t', p.template, '-o', p.os];
  if (p.template !== 'diskless') {
    const disks = p.disks ?? [];
    if (!disks.length) throw new Error(`gnt.instance ${p.name}: template ${p.template} needs at least one disk size (disks: ['1G'])`);
    disks.forEach((size, i) => args.push('--disk', `${i}:size=${size}`));
  }
  const nics = p.nics ?? [{}];
  if (!nics.length) args.push('--no-nics');
  nics.forEach((nic, i) => args.push('--net', Object.keys(nic).length ? `${i}:${paramList(nic, `nics[${i}]`)}` : String(i)));
  if (p.node !== undefined) args.push('-n', p.secondaryNode !== undefined ? `${p.node}:${p.secondaryNode}` : p.node);
  if (p.backendParams && Object.keys(p.backendParams).length) args.push('-B', paramList(p.backendParams, 'backendParams'));
  if (p.hypervisorParams && Object.keys(p.hypervisorParams).length) args.push('-H', paramList(p.hypervisorParams, 'hypervisorParams'));
  if (p.start === false) args.push('--no-start');
  if (p.nameCheck === false) args.push('--no-name-check', '--no-ip-check');
  // `--` ends Ganeti's (optparse) options: the name is never read as one.
  args.push('--', p.name);
  return args;
}

export const instance = defineModule<InstanceParams, InstanceResult>({
  name: 'gnt.instance',
  title: (p) => `gnt instance ${p.name}`,
  async run(host, p) {
    const add = sh`gnt-instance add ${instanceAddArgs(p)}`;
    const list = sh`gnt-instance list --no-headers --separator='|' -o ${LIST_FIELDS.join(',')}`;
    const probed = await probe(host, captureOrBroken(list, 'gnt-instance list'));
    if (probed.state === 'broken') throw halfInitialised(host, probed);
    if (probed.state === 'not-master') throw notMaster(host, probed, `gnt-instance add ${p.name}`);
    if (probed.state === 'none' || probed.state === 'not-installed') {
      if (host.check) return { changed: true, message: `would run: ${add.display} (the cluster is not initialised yet)` };
      throw probed.state === 'none' ? notInitialised(host, `gnt-instance add ${p.name}`) : notInstalled(host, 'gnt.instance');
    }
    const toInstance = (row: Record<(typeof LIST_FIELDS)[number], string>) => ({
      name: row.name,
      pnode: row.pnode,
      status: row.status,
      template: row.disk_template,
      os: row.os,
    });
    const found = parseList(probed.out, LIST_FIELDS).find((row) => row.name === p.name);
    if (found) {
      const have = toInstance(found);
      // An existing instance is never rebuilt: a different template or OS is reported, not "fixed".
      const differs = [have.template !== p.template ? `template ${have.template} (want ${p.template})` : '', have.os !== p.os ? `os ${have.os} (want ${p.os})` : '']
        .filter(Boolean)
        .join(', ');
      return { changed: false, instance: have, message: differs ? `exists with ${differs}: not recreated` : undefined };
    }
    if (host.check) return { changed: true, message: `would run: ${add.display}`, detail: add.display };
    await host.exec(add, { progress: true });
    const after = await host.exec(list, { readOnly: true });
    const row = parseList(after.stdout, LIST_FIELDS).find((x) => x.name === p.name);
    return { changed: true, instance: row ? toInstance(row) : undefined, message: `added instance ${p.name}${row ? ` on ${row.pnode} (${row.status})` : ''}`, detail: add.display };
  },
});
