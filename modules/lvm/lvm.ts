// lvm modules: physical volumes on blank devices only, volume groups and logical volumes that grow but never shrink, lvm.conf's filter.
import { defineModule, type Plan, type ProbeFacts, type Result } from '../../core/module.ts';
import { filterFacts, lvFacts, pvFacts, vgFacts, type LvFacts, type PvFacts, type VgFacts } from './lvm-facts.ts';
import {
  planFilter,
  planLv,
  planPv,
  planVg,
  validateFilter,
  validateLv,
  validatePv,
  validateVg,
  type FilterParams,
  type LvmPlan,
  type LvParams,
  type LvResult,
  type PvParams,
  type PvResult,
  type VgParams,
  type VgResult,
} from './lvm-plan.ts';
import type { FileState } from '../shared/remote-file.ts';
import { applyTextFile } from '../shared/text-file-plan.ts';

export type { FilterParams, LvParams, LvResult, PvParams, PvResult, VgParams, VgResult } from './lvm-plan.ts';

/** Runs the planned command, then reads the facts again for what only LVM knows afterwards (sizes, extents). */
function thenReadBack<P, F, R extends Result>(facts: ProbeFacts<P, F>, p: P, planned: LvmPlan<R, F>): Plan<R> {
  const { result, apply, readBack } = planned;
  if (!apply || !readBack) return { result, apply };
  return {
    result,
    apply: async (host) => {
      await host.exec(apply);
      // apply never runs in --check, so the host itself serves as the reader
      return readBack(await facts(host, p));
    },
  };
}

/** Makes `device` an LVM physical volume; refuses one holding any signature (a filesystem...) unless `force`. */
const pv = defineModule<PvParams, PvFacts, PvResult>({
  name: 'lvm.pv',
  title: (p) => `lvm pv ${p.device}`,
  validate: validatePv,
  facts: pvFacts,
  plan: (p, f) => thenReadBack(pvFacts, p, planPv(p, f)),
});

/** A volume group holding at least the listed devices (created or extended, never shrunk); `state: 'absent'` removes one without LVs. */
const vg = defineModule<VgParams, VgFacts, VgResult>({
  name: 'lvm.vg',
  title: (p) => `lvm vg ${p.name}${p.state === 'absent' ? ' (absent)' : ''}`,
  validate: validateVg,
  facts: vgFacts,
  plan: (p, f) => thenReadBack(vgFacts, p, planVg(p, f)),
});

/** A logical volume of at least `size` (created, or grown; never shrunk). */
const lv = defineModule<LvParams, LvFacts, LvResult>({
  name: 'lvm.lv',
  title: (p) => `lvm lv ${p.vg}/${p.name} ${p.size}`,
  validate: validateLv,
  facts: lvFacts,
  plan: (p, f) => thenReadBack(lvFacts, p, planLv(p, f)),
});

/** lvm.conf's devices/global_filter rejects the patterns (before any accept entry); nothing else in the file changes. */
const filter = defineModule<FilterParams, FileState, Result>({
  name: 'lvm.filter',
  title: (p) => `lvm filter ${p.file ?? '/etc/lvm/lvm.conf'}`,
  validate: validateFilter,
  facts: filterFacts,
  plan: (p, st) => {
    const { result, file } = planFilter(p, st);
    return file ? { result, apply: (host) => applyTextFile(host, file) } : { result };
  },
});

export const lvm = { pv, vg, lv, filter };
