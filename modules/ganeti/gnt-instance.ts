// gnt.instance: an instance added once (gnt-instance add) on the master; an existing one is never rebuilt.
import { defineModule, type Apply, type Plan, type Result } from '../../core/module.ts';
import { sh, type ShellCommand } from '../../core/sh.ts';
import { captureOrBroken, gntFacts, parseList, type GntFacts } from './gnt-facts.ts';
import { instanceAddArgs, onMaster, refuse, type InstanceParams } from './gnt-plan.ts';

/** An instance to ensure, for {@link gnt.instance} (runs on the master); the fields are documented on the type. */
export type { InstanceParams } from './gnt-plan.ts';

/** One instance as `gnt-instance list` shows it. */
export interface InstanceInfo {
  name: string;
  pnode: string;
  status: string;
  template: string;
  os: string;
}

export interface InstanceResult extends Result {
  /** The instance as `gnt-instance list` shows it (after creating it; absent in --check before creation). */
  instance?: InstanceInfo;
}

const LIST_FIELDS = ['name', 'pnode', 'status', 'disk_template', 'os'] as const;
const LIST = sh`gnt-instance list --no-headers --separator='|' -o ${LIST_FIELDS.join(',')}`;

/** The instances of `gnt-instance list` output (strict: a row with other fields is a ProbeFormatError). */
export function readInstances(out: string): InstanceInfo[] {
  return parseList(out, LIST_FIELDS).map((row) => ({
    name: row.name,
    pnode: row.pnode,
    status: row.status,
    template: row.disk_template,
    os: row.os,
  }));
}

/** The whole decision (pure): an existing instance is reported (never rebuilt), a missing one added. */
export function instancePlan(p: InstanceParams, f: GntFacts<InstanceInfo[]>): Plan<InstanceResult> {
  const add = sh`gnt-instance add ${instanceAddArgs(p)}`;
  const cannot = onMaster(f, `gnt-instance add ${p.name}`);
  if (cannot)
    return {
      result: { changed: true, message: `would run: ${add.display} (the cluster is not initialised yet)` },
      apply: refuse(cannot),
    };
  const have = f.found!.find((i) => i.name === p.name);
  if (have) {
    // An existing instance is never rebuilt: a different template or OS is reported, not "fixed".
    const differs = [
      have.template !== p.template ? `template ${have.template} (want ${p.template})` : '',
      have.os !== p.os ? `os ${have.os} (want ${p.os})` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return {
      result: {
        changed: false,
        instance: have,
        message: differs ? `exists with ${differs}: not recreated` : undefined,
      },
    };
  }
  return {
    result: { changed: true, message: `would run: ${add.display}`, detail: add.display },
    apply: addInstance(p.name, add),
  };
}

/** Adds the instance (a cluster job: progress shown), then reads back where it runs. */
function addInstance(name: string, add: ShellCommand): Apply<InstanceResult> {
  return async (host) => {
    await host.exec(add, { progress: true });
    const instance = readInstances((await host.exec(LIST, { readOnly: true })).stdout).find((x) => x.name === name);
    return {
      instance,
      message: `added instance ${name}${instance ? ` on ${instance.pnode} (${instance.status})` : ''}`,
    };
  };
}

export const instance = defineModule<InstanceParams, GntFacts<InstanceInfo[]>, InstanceResult>({
  name: 'gnt.instance',
  title: (p) => `gnt instance ${p.name}`,
  validate: (p) => void instanceAddArgs(p),
  facts: gntFacts(
    () => captureOrBroken(LIST, 'gnt-instance list'),
    (probed) => readInstances(probed.out),
  ),
  plan: instancePlan,
});
