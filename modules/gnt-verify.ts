// gnt.verify: gnt-cluster verify on the master, retried while a fresh cluster settles, findings parsed.
import { setTimeout as delay } from 'node:timers/promises';
import { tail } from '../core/errors.ts';
import { defineModule, type Result } from '../core/module.ts';
import { sh } from '../core/sh.ts';
import { halfInitialised, notInitialised, notInstalled, notMaster, probe } from './gnt-common.ts';
import { formatFinding, parseVerify, type VerifyFinding } from './gnt-parse.ts';
import { captureWithStatus } from './gnt-probe.ts';

/** Params of {@link gnt.verify} (runs on the master). */
export interface VerifyParams {
  /** Error codes Ganeti should downgrade to warnings (`-I CODE`), e.g. `['ENODESETUP']` where /proc/sysrq-trigger is missing. */
  ignore?: string[];
  /** Extra attempts when verify fails (right after init the master IP and daemons settle for a few seconds). Default 5. */
  retries?: number;
  /** Milliseconds between attempts. Default 3000. */
  retryDelayMs?: number;
}

export interface VerifyResult extends Result {
  errors: VerifyFinding[];
  warnings: VerifyFinding[];
  /** Attempts it took (1 when the first passed). */
  attempts: number;
}

export const verify = defineModule<VerifyParams, VerifyResult>({
  name: 'gnt.verify',
  title: (p) => `gnt cluster verify${p.ignore?.length ? ` -I ${p.ignore.join(',')}` : ''}`,
  async run(host, p) {
    const ignore = p.ignore ?? [];
    for (const c of ignore) if (!/^E[A-Z0-9_]+$/.test(c)) throw new Error(`gnt.verify: ignore ${JSON.stringify(c)} is not a Ganeti error code (ENODESETUP, ...)`);
    const args = ignore.flatMap((c) => ['-I', c]);
    const cmd = sh`gnt-cluster verify --error-codes ${args}`;
    const retries = p.retries ?? 5;
    let last = '';
    for (let attempt = 1; ; attempt++) {
      const probed = await probe(host, captureWithStatus(cmd));
      if (probed.state === 'broken') throw halfInitialised(host, probed);
      if (probed.state === 'not-master') throw notMaster(host, probed, 'gnt-cluster verify');
      if (probed.state === 'none' || probed.state === 'not-installed') {
        if (host.check) return { changed: false, errors: [], warnings: [], attempts: attempt, skipped: `the cluster is not initialised yet (--check): would run ${cmd.display}` };
        throw probed.state === 'none' ? notInitialised(host, 'gnt-cluster verify') : notInstalled(host, 'gnt.verify');
      }
      const { rc, out } = probed;
      const report = parseVerify(out);
      // Ganeti already downgrades -I codes; filtering here too keeps the ignore list authoritative.
      const errors = report.errors.filter((f) => !ignore.includes(f.code));
      const warnings = [...report.warnings, ...report.errors.filter((f) => ignore.includes(f.code))];
      if (rc === 0 && errors.length === 0) {
        const message = warnings.length ? `passed with ${warnings.length} warning(s): ${warnings.map((w) => w.code).join(', ')}` : 'passed';
        return { changed: false, errors, warnings, attempts: attempt, message, detail: warnings.map(formatFinding).join('\n') || undefined };
      }
      last =
        errors.length > 0
          ? errors.map(formatFinding).join('\n')
          : `exit ${rc}: ${tail([...report.other].join('\n') || out, 8)}`;
      if (attempt > retries) {
        throw new Error(`${host.name}: gnt-cluster verify failed after ${attempt} attempt(s):\n${last}`);
      }
      host.log(`verify failed (attempt ${attempt}), retrying: ${last.split('\n')[0]}`);
      await delay(p.retryDelayMs ?? 3000);
    }
  },
});
