// reboot's facts: the probe read before (boot id, uptime, marker file) and the one that watches the host come back (boot id, init state).
import { probe } from '../../core/module.ts';
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';

export interface RebootFactsParams {
  /** Absolute path of a file whose existence asks for a reboot (e.g. /run/reboot-required). */
  onlyIfExists?: string;
}

export interface RebootFacts {
  /** /proc/sys/kernel/random/boot_id: a new random id at each boot. */
  bootId: string;
  /** Seconds since boot (first field of /proc/uptime). */
  uptime: number;
  /** Whether `onlyIfExists` exists; undefined when not asked. */
  marker?: boolean;
}

/** The sections rebootProbe prints. */
export const REBOOT_SECTIONS = ['bootid', 'uptime', 'marker'] as const;

/** Sections of `frame`: bootid, uptime, marker (status 0 exists, 1 does not, 2 not asked). */
export function rebootProbe(frame: ProbeFrame, p: RebootFactsParams): ShellCommand {
  return ShellCommand.join([
    frame.section('bootid', sh`cat /proc/sys/kernel/random/boot_id`),
    frame.section('uptime', sh`cat /proc/uptime`),
    frame.section('marker', p.onlyIfExists === undefined ? sh`(exit 2)` : sh`[ -e ${p.onlyIfExists} ]`),
  ]);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The boot id from its section (strict: one UUID line). */
export function parseBootId(s: ProbeSections): string {
  const text = s.text('bootid');
  const id = text.replace(/\n$/, '');
  if (s.status('bootid') !== 0 || !UUID.test(id))
    throw new ProbeFormatError(
      `/proc/sys/kernel/random/boot_id read ${JSON.stringify(text.slice(0, 80))} (exit ${s.status('bootid')})`,
    );
  return id;
}

export function parseRebootProbe(s: ProbeSections, p: RebootFactsParams): RebootFacts {
  const bootId = parseBootId(s);
  const up = /^(\d+(?:\.\d+)?) \d+(?:\.\d+)?\n$/.exec(s.text('uptime'));
  if (!up) throw new ProbeFormatError(`/proc/uptime read ${JSON.stringify(s.text('uptime').slice(0, 80))}`);
  const m = s.status('marker');
  if (p.onlyIfExists !== undefined ? m > 1 : m !== 2) throw new ProbeFormatError(`the marker test exited ${m}`);
  return { bootId, uptime: Number(up[1]), ...(p.onlyIfExists !== undefined ? { marker: m === 0 } : {}) };
}

export const rebootFacts = probe<RebootFactsParams, RebootFacts>(
  (p, frame) => rebootProbe(frame, p),
  parseRebootProbe,
  () => REBOOT_SECTIONS,
);

/** Where the detached reboot writes its output: /run dies with the boot, so a stale log never speaks for a new one. */
export const REBOOT_LOG = '/run/drover-reboot.log';
/** Last line of REBOOT_LOG when no reboot command worked. */
export const REBOOT_FAILED = 'drover: no reboot command worked';

/**
 * Starts the reboot detached, so the command itself returns at once (its answer reaches drover before sshd
 * stops): the host's own `reboot`, else OpenRC's `openrc-shutdown -r now`, else `shutdown -r now`.
 */
export function rebootCommand(): ShellCommand {
  const script = `sleep 1; reboot || openrc-shutdown -r now || shutdown -r now || echo '${REBOOT_FAILED}'`;
  return sh`rm -f ${REBOOT_LOG}; setsid sh -c ${script} >${REBOOT_LOG} 2>&1 </dev/null &`;
}

/** What the host says while it comes back: which boot this is, and how far its init got. */
export interface BootState {
  bootId: string;
  /** REBOOT_LOG's content ('' when absent): read when the boot id has not changed yet. */
  log: string;
  init: 'openrc' | 'systemd' | 'unknown';
  /** OpenRC: `rc-status --runlevel` ('' before OpenRC set one). */
  runlevel: string;
  /** OpenRC: a runlevel change in progress (rc.starting / rc.stopping in /run/openrc). */
  busy: string[];
  /** systemd: `systemctl is-system-running` (running, degraded, starting, ...). */
  systemd: string;
}

export const BOOT_SECTIONS = ['bootid', 'log', 'init', 'openrc', 'systemd'] as const;

/** Sections of `frame` for BootState. Read-only; a service manager not started yet reads as not booted. */
export function bootStateProbe(frame: ProbeFrame): ShellCommand {
  return ShellCommand.join([
    frame.section('bootid', sh`cat /proc/sys/kernel/random/boot_id`),
    frame.section('log', sh`cat ${REBOOT_LOG} 2>/dev/null; :`),
    sh`if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then i=systemd
elif command -v rc-status >/dev/null 2>&1 || [ -x /sbin/openrc-run ]; then i=openrc
else i=unknown; fi`,
    frame.section('init', sh`printf '%s' "$i"`),
    frame.section(
      'openrc',
      sh`if [ "$i" = openrc ]; then rc-status --runlevel 2>/dev/null; for f in rc.starting rc.stopping; do if [ -e /run/openrc/$f ]; then echo "$f"; fi; done; fi; :`,
    ),
    frame.section('systemd', sh`if [ "$i" = systemd ]; then systemctl is-system-running 2>/dev/null; fi; :`),
  ]);
}

export function parseBootState(s: ProbeSections): BootState {
  const init = s.text('init');
  if (init !== 'openrc' && init !== 'systemd' && init !== 'unknown')
    throw new ProbeFormatError(`init system ${JSON.stringify(init.slice(0, 80))}`);
  const word = /^[A-Za-z0-9_.+-]*$/;
  const lines = s.text('openrc').split('\n').filter(Boolean);
  const runlevel = lines.length && !lines[0].startsWith('rc.') ? lines[0] : '';
  const busy = lines.slice(runlevel ? 1 : 0);
  if (!word.test(runlevel) || busy.some((b) => b !== 'rc.starting' && b !== 'rc.stopping'))
    throw new ProbeFormatError(`OpenRC state ${JSON.stringify(s.text('openrc').slice(0, 80))}`);
  const systemd = s.text('systemd').trim();
  if (!word.test(systemd))
    throw new ProbeFormatError(`systemctl is-system-running printed ${JSON.stringify(systemd.slice(0, 80))}`);
  return { bootId: parseBootId(s), log: s.text('log'), init, runlevel, busy, systemd };
}
