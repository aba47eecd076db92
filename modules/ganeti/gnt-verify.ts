// gnt.verify: gnt-cluster verify on the master, retried while a fresh cluster settles, findings parsed; never changes anything.
import { defineModule, type HostReader, type Plan, type ProbeFacts, type Result } from '../../core/module.ts';
import type { ProbeSections } from '../../core/probe-frame.ts';
import { retry, RetryExhausted } from '../../core/retry.ts';
import { sh, type ShellCommand } from '../../core/sh.ts';
import {
  captureWithStatus,
  formatFinding,
  gntFacts,
  parseVerify,
  type GntFacts,
  type VerifyFinding,
} from './gnt-facts.ts';
import { judgeVerify, onMaster, refuse, type VerifyVerdict } from './gnt-plan.ts';

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

/** What verify's facts step saw: the last attempt's verdict (on a working master) and how many attempts it took. */
export type VerifyFacts = GntFacts<VerifyVerdict> & { attempts: number };

export function verifyCommand(p: VerifyParams): ShellCommand {
  return sh`gnt-cluster verify --error-codes ${(p.ignore ?? []).flatMap((c) => ['-I', c])}`;
}

/** The line after verify's output that starts the uuid|name list (Ganeti names a node by UUID in some findings; written literally in verifyThen). */
const UUIDS = '%%uuids';

/** Verify, then the nodes' UUIDs and names after a UUIDS line (same round trip; verify's status stays in $rc). */
function verifyThen(p: VerifyParams): ShellCommand {
  return sh`${captureWithStatus(verifyCommand(p))}
if names=$(gnt-node list --no-headers --separator='|' -o uuid,name 2>/dev/null); then out="$out
%%uuids
$names"; fi`;
}

/** Verify's output with every node UUID replaced by the node's name (hook findings name nodes by UUID). */
export function namedVerifyOutput(out: string): string {
  const lines = out.split('\n');
  const at = lines.lastIndexOf(UUIDS);
  if (at < 0) return out;
  let text = lines.slice(0, at).join('\n');
  for (const row of lines.slice(at + 1)) {
    const [uuid, name] = row.split('|').map((c) => c.trim());
    if (uuid && name && /^[0-9a-f-]{36}$/.test(uuid)) text = text.split(uuid).join(name);
  }
  return text;
}

const once: ProbeFacts<VerifyParams, GntFacts<VerifyVerdict>> = gntFacts(verifyThen, (probed, p) => {
  const out = namedVerifyOutput(probed.out);
  return judgeVerify(p.ignore ?? [], parseVerify(out), probed.rc, out);
});

/**
 * One probe per attempt, read-only (so also in --check): right after init or a join the master IP and
 * daemons take a few seconds to settle, so a failing verify is asked again `retries` times before the
 * plan reports it. Keeps the single probe's parts, so fixtures plan one recorded attempt.
 */
const verifyFacts: ProbeFacts<VerifyParams, VerifyFacts> = Object.assign(
  async (host: HostReader, p: VerifyParams): Promise<VerifyFacts> => {
    const until = (f: GntFacts<VerifyVerdict>) => !f.found || f.found.passed || f.found.why;
    try {
      let attempts = 0;
      const f = await retry((n) => ((attempts = n), once(host, p)), {
        attempts: (p.retries ?? 5) + 1,
        delay: p.retryDelayMs ?? 3000,
        until,
        host,
        what: 'gnt-cluster verify',
      });
      return { ...f, attempts };
    } catch (err) {
      // The plan quotes the last attempt's findings.
      if (err instanceof RetryExhausted) return { ...(err.last as GntFacts<VerifyVerdict>), attempts: err.attempts };
      throw err;
    }
  },
  {
    build: once.build,
    parse: (s: ProbeSections, p: VerifyParams): VerifyFacts => ({ ...once.parse(s, p), attempts: 1 }),
    sections: once.sections,
  },
);

/** The whole decision (pure): passed (with its warnings) or an error quoting Ganeti's findings. */
export function verifyPlan(p: VerifyParams, f: VerifyFacts): Plan<VerifyResult> {
  const cannot = onMaster(f, 'gnt-cluster verify');
  if (cannot) {
    // Not a change: in --check an earlier gnt.cluster would have made the cluster, so it can only say
    // what it would verify (shown as skipped); a real run stops here with `cannot`.
    return {
      result: {
        changed: true,
        errors: [],
        warnings: [],
        attempts: f.attempts,
        skipped: `the cluster is not initialised yet: would run ${verifyCommand(p).display}`,
      },
      apply: refuse(cannot),
    };
  }
  const v = f.found!;
  if (!v.passed) throw new Error(`gnt-cluster verify failed after ${f.attempts} attempt(s):\n${v.why}`);
  const message = v.warnings.length
    ? `passed with ${v.warnings.length} warning(s): ${v.warnings.map((w) => w.code).join(', ')}`
    : 'passed';
  return {
    result: {
      changed: false,
      errors: v.errors,
      warnings: v.warnings,
      attempts: f.attempts,
      message,
      detail: v.warnings.map(formatFinding).join('\n') || undefined,
    },
  };
}

export const verify = defineModule<VerifyParams, VerifyFacts, VerifyResult>({
  name: 'gnt.verify',
  title: (p) => `gnt cluster verify${p.ignore?.length ? ` -I ${p.ignore.join(',')}` : ''}`,
  validate: (p) => {
    for (const c of p.ignore ?? [])
      if (!/^E[A-Z0-9_]+$/.test(c))
        throw new Error(`ignore ${JSON.stringify(c)} is not a Ganeti error code (ENODESETUP, ...)`);
    if (p.retries !== undefined && !(Number.isInteger(p.retries) && p.retries >= 0))
      throw new Error(`retries ${p.retries} is not a whole number >= 0`);
  },
  facts: verifyFacts,
  plan: verifyPlan,
});
