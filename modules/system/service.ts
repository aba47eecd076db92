// service: start/stop/restart/reload a service and enable it at boot — OpenRC first, systemd when that is the init.
import { defineModule, probe, type Plan, type Result } from '../../core/module.ts';
import type { Host } from '../../core/host.ts';
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';
import { INIT_DETECT, parseInitSystem, type InitSystem } from '../facts/system.ts';

export interface ServiceParams {
  /** Init script / unit name: 'sshd', 'ganeti', 'net.br0'. */
  name: string;
  /**
   * started / stopped: converge (idempotent). restarted / reloaded: always act (changed every time) —
   * to restart only when a config changed, use `notifyRestart` (a once-per-phase handler), see below.
   */
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  /** In the runlevel (OpenRC, `rc-update add|del`) / enabled unit (systemd). */
  enabled?: boolean;
  /** OpenRC runlevel for `enabled` (default 'default'). */
  runlevel?: string;
}

export type { InitSystem };

/** What the probe saw. `status` is OpenRC's word for the rc-service exit code, or systemd's ActiveState. */
export interface ServiceFacts {
  init: InitSystem | 'unknown';
  exists: boolean;
  /** 'started' (0) | 'stopped' (3) | 'starting/stopping' (4) | 'inactive' (16) | 'crashed' (32) | other codes as 'exit N'; systemd: active/inactive/failed/... */
  status: string;
  enabled: boolean;
  /** systemd: the unit's file changed on disk since systemd read it (NeedDaemonReload=yes). */
  needsDaemonReload?: true;
  /** systemd: LoadState=masked (it cannot be started or enabled until unmasked). */
  masked?: true;
  /** systemd: a UnitFileState that `systemctl enable` cannot change (static, indirect, generated, transient). */
  notEnableable?: string;
}

export interface ServiceResult extends Result {
  init: InitSystem;
  /** Status before the call. */
  before: string;
}

const OPENRC_STATUS: Record<number, string> = {
  0: 'started',
  3: 'stopped',
  4: 'starting/stopping',
  16: 'inactive',
  32: 'crashed',
};

function checkName(name: string, what: string): void {
  if (!/^[A-Za-z0-9_@:+][A-Za-z0-9_.@:+-]*$/.test(name)) throw new Error(`bad ${what} ${JSON.stringify(name)}`);
}

/** The sections serviceProbe prints. */
export const SERVICE_SECTIONS = ['init', 'exists', 'status', 'enabled', 'systemd'] as const;

/**
 * Sections of `frame`: init (openrc, systemd or unknown); for OpenRC exists / status / enabled as exit
 * statuses (`rc-service NAME status`'s own code in status); for systemd the `systemctl show` lines.
 */
export function serviceProbe(frame: ProbeFrame, name: string, runlevel: string): ShellCommand {
  checkName(name, 'name');
  checkName(runlevel, 'runlevel');
  return ShellCommand.join([
    // The init fact's own detection (modules/facts/system.ts): one word, the same on every path.
    sh`i=$(${INIT_DETECT})`,
    frame.section('init', sh`printf '%s' "$i"`),
    frame.section('exists', sh`[ "$i" = openrc ] && [ -e /etc/init.d/${name} ]`),
    frame.section('status', sh`if [ "$i" = openrc ]; then rc-service ${name} status >/dev/null 2>&1; fi`),
    frame.section('enabled', sh`[ "$i" = openrc ] && [ -L /etc/runlevels/${runlevel}/${name} ]`),
    frame.section(
      'systemd',
      sh`if [ "$i" = systemd ]; then systemctl show -p LoadState -p ActiveState -p UnitFileState -p NeedDaemonReload -- ${name} 2>/dev/null; fi`,
    ),
  ]);
}

const SYSTEMD_KEYS = new Set(['LoadState', 'ActiveState', 'UnitFileState', 'NeedDaemonReload']);
// Unit file states `systemctl enable` leaves as they are (no [Install] section, or not a file of its own).
const NOT_ENABLEABLE = new Set(['static', 'indirect', 'generated', 'transient']);

/** Facts from serviceProbe's sections (strict: unknown or repeated systemd keys are a ProbeFormatError). */
export function parseServiceProbe(s: ProbeSections): ServiceFacts {
  let init: ServiceFacts['init'];
  try {
    init = parseInitSystem(s.text('init'));
  } catch {
    throw new ProbeFormatError(`service: init system ${JSON.stringify(s.text('init').slice(0, 80))}`);
  }
  if (init === 'openrc') {
    const code = s.status('status');
    return {
      init,
      exists: s.status('exists') === 0,
      status: OPENRC_STATUS[code] ?? `exit ${code}`,
      enabled: s.status('enabled') === 0,
    };
  }
  if (init === 'systemd') {
    const kv = new Map<string, string>();
    for (const l of s.text('systemd').split('\n')) {
      if (l === '') continue;
      const i = l.indexOf('=');
      const k = l.slice(0, i);
      if (i < 0 || !SYSTEMD_KEYS.has(k) || kv.has(k))
        throw new ProbeFormatError(`service: systemctl show printed ${JSON.stringify(l.slice(0, 80))}`);
      kv.set(k, l.slice(i + 1).trim());
    }
    const load = kv.get('LoadState') ?? 'not-found';
    const ufs = kv.get('UnitFileState') ?? '';
    const f: ServiceFacts = {
      init,
      exists: load !== 'not-found',
      status: kv.get('ActiveState') ?? 'unknown',
      enabled: ufs === 'enabled' || ufs === 'enabled-runtime' || ufs === 'alias',
    };
    if (kv.get('NeedDaemonReload') === 'yes') f.needsDaemonReload = true;
    if (load === 'masked') f.masked = true;
    if (NOT_ENABLEABLE.has(ufs)) f.notEnableable = ufs;
    return f;
  }
  return { init: 'unknown', exists: false, status: 'unknown', enabled: false };
}

type Verb = 'start' | 'stop' | 'restart' | 'reload' | 'zap';

/** Decides what to run (pure). Returns the actions and words for the message. */
export function planService(
  p: ServiceParams,
  f: ServiceFacts,
): { actions: Verb[]; enable?: boolean; messages: string[] } {
  const running =
    f.init === 'openrc'
      ? f.status === 'started' || f.status === 'starting/stopping'
      : f.status === 'active' || f.status === 'activating' || f.status === 'reloading';
  const crashed = f.init === 'openrc' ? f.status === 'crashed' : f.status === 'failed';
  const actions: Verb[] = [];
  const messages: string[] = [];
  // A crashed OpenRC service's stop would look for a process that is gone and fail: reset its state
  // (zap), then start. systemd's restart copes with a failed unit by itself.
  const restartCrashed: Verb[] = f.init === 'openrc' ? ['zap', 'start'] : ['restart'];
  switch (p.state) {
    case 'started':
      if (crashed) {
        actions.push(...restartCrashed);
        messages.push(`restarted (was ${f.status})`);
      } else if (!running) {
        actions.push('start');
        messages.push('started');
      }
      break;
    case 'stopped':
      if (crashed && f.init === 'openrc') {
        actions.push('zap'); // a crashed OpenRC service has no process left to stop: reset its state
        messages.push('crashed service marked stopped (zap)');
      } else if (running || crashed) {
        actions.push('stop');
        messages.push('stopped');
      }
      break;
    case 'restarted':
      actions.push(...(crashed ? restartCrashed : ['restart' as const]));
      messages.push(running ? 'restarted' : `restarted (was ${f.status})`);
      break;
    case 'reloaded':
      if (running) {
        actions.push('reload');
        messages.push('reloaded');
      } else {
        actions.push(...(crashed ? restartCrashed : ['start' as const]));
        messages.push(`started (was ${f.status}, nothing to reload)`);
      }
      break;
  }
  let enable: boolean | undefined;
  if (p.enabled !== undefined && p.enabled !== f.enabled) {
    enable = p.enabled;
    messages.push(
      p.enabled ? `enabled${f.init === 'openrc' ? ` in runlevel ${p.runlevel ?? 'default'}` : ''}` : 'disabled',
    );
  }
  return { actions, enable, messages };
}

function applyScript(
  init: InitSystem,
  name: string,
  runlevel: string,
  actions: Verb[],
  enable: boolean | undefined,
  daemonReload = false,
): ShellCommand {
  const cmds: ShellCommand[] = [];
  // systemd acts on the unit as it last read it: a changed unit file is read again first
  if (daemonReload) cmds.push(sh`systemctl daemon-reload`);
  if (init === 'openrc') {
    if (enable === true) cmds.push(sh`rc-update add ${name} ${runlevel}`);
    if (enable === false) cmds.push(sh`rc-update del ${name} ${runlevel}`);
    for (const a of actions) cmds.push(sh`rc-service ${name} ${a}`);
  } else {
    if (enable === true) cmds.push(sh`systemctl enable -- ${name}`);
    if (enable === false) cmds.push(sh`systemctl disable -- ${name}`);
    for (const a of actions) cmds.push(sh`systemctl ${a === 'zap' ? 'reset-failed' : a} -- ${name}`);
  }
  return ShellCommand.join(cmds, ' && ');
}

/**
 * Manages one service in one probe round trip (init system, status, enablement) plus one to apply.
 * OpenRC: `rc-service NAME status` exit codes 0 started, 3 stopped, 4 starting/stopping, 32 crashed
 * (a crashed service wanted started is restarted, and the message says so); `rc-update add|del NAME RUNLEVEL`.
 * systemd is used when it is the running init. Any other init system is a clear error.
 *
 * A missing service is fine when it is wanted stopped/disabled (nothing to do), an error otherwise.
 *
 * `restarted` is never idempotent. To restart only when an earlier step changed something, once per
 * phase however many files changed, register a handler:
 *
 * @example
 * const a = await sysfile(host, { path: '/etc/conf.d/ganeti', content: conf })
 * const b = await sysfile(host, { path: '/etc/default/ganeti', content: env })
 * notifyRestart(host, 'ganeti', a, b)   // runs service(host, { name: 'ganeti', state: 'restarted' }) at the end of the phase
 */
export const service = defineModule<ServiceParams, ServiceFacts, ServiceResult>({
  name: 'service',
  title: (p) =>
    `service ${p.name}${p.state ? ` ${p.state}` : ''}${p.enabled === undefined ? '' : p.enabled ? ' enabled' : ' disabled'}`,
  validate: (p) => {
    checkName(p.name, 'name');
    checkName(p.runlevel ?? 'default', 'runlevel');
    if (p.state === undefined && p.enabled === undefined) throw new Error('give state and/or enabled');
  },
  facts: probe(
    (p, frame) => serviceProbe(frame, p.name, p.runlevel ?? 'default'),
    parseServiceProbe,
    () => SERVICE_SECTIONS,
  ),
  plan: (p, f, host) => servicePlan(p, f, host.name),
});

/** The whole decision (pure): the report, and the one command that makes it true. */
export function servicePlan(p: ServiceParams, f: ServiceFacts, hostName: string): Plan<ServiceResult> {
  if (f.init === 'unknown')
    throw new Error(`unsupported init system (neither OpenRC's rc-service nor a running systemd found)`);
  const init = f.init;
  if (!f.exists) {
    const wantsIt = p.state === 'started' || p.state === 'restarted' || p.state === 'reloaded' || p.enabled === true;
    if (wantsIt)
      throw new Error(
        `service ${p.name} does not exist on ${hostName} (${init === 'openrc' ? `no /etc/init.d/${p.name}` : 'no such unit'})`,
      );
    return {
      result: { changed: false, init, before: 'absent', message: 'no such service (nothing to stop or disable)' },
    };
  }
  const wantsRunning = p.state === 'started' || p.state === 'restarted' || p.state === 'reloaded';
  if (f.masked && (wantsRunning || p.enabled === true))
    throw new Error(`unit ${p.name} is masked on ${hostName}: unmask it first (systemctl unmask ${p.name})`);
  if (f.notEnableable && p.enabled === true)
    throw new Error(
      `unit ${p.name} is ${f.notEnableable} (${f.notEnableable === 'static' ? 'no [Install] section' : 'not a unit file of its own'}): \`systemctl enable\` cannot enable it; leave enabled out`,
    );
  const plan = planService(p, f);
  const reload = f.needsDaemonReload === true;
  if (reload) plan.messages.unshift('daemon-reload (unit file changed on disk)');
  const changed = plan.actions.length > 0 || plan.enable !== undefined || reload;
  const result: ServiceResult = { changed, init, before: f.status };
  if (plan.messages.length) result.message = plan.messages.join(', ');
  if (!changed) return { result };
  return { result, apply: applyScript(init, p.name, p.runlevel ?? 'default', plan.actions, plan.enable, reload) };
}

/**
 * Restart `name` once at the end of the current phase if any of `results` changed (Ansible's notify +
 * handler). Several calls for the same service in one phase restart it once.
 */
export function notifyRestart<V>(host: Host<V>, name: string, ...results: readonly (Result | undefined)[]): boolean {
  if (!results.some((r) => r?.changed === true)) return false;
  host.notify(`service ${name} restarted`, () => service(host, { name, state: 'restarted' }));
  return true;
}
