// sshd hardening for playbooks/baseline.ts: a drop-in that sorts first (sshd keeps a keyword's first value), checked by sshd -t.
import { changed, sh, type Host, type Result } from 'drover';
import { command, facts, service, sysfile } from 'drover/modules';

export const SSHD_DROPIN = '/etc/ssh/sshd_config.d/10-drover-baseline.conf';

/** The drop-in's text (pure). Root keeps key logins: drover itself logs in as root with a key. */
export function sshdHardening(extra: readonly string[] = []): string {
  for (const l of extra) if (/[\n\0]/.test(l)) throw new Error(`sshdExtra: one line each: ${JSON.stringify(l)}`);
  return [
    '# Managed by drover (playbooks/baseline.ts). sshd keeps the first value of a keyword: this file sorts first.',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitEmptyPasswords no',
    'X11Forwarding no',
    'AllowAgentForwarding no',
    'MaxAuthTries 3',
    'LoginGraceTime 30',
    'ClientAliveInterval 300',
    'ClientAliveCountMax 2',
    ...extra,
    '',
  ].join('\n');
}

/**
 * The drop-in (validated by `sshd -t -f` on the temporary file before it replaces the old one), the
 * Include line that reads it (Debian's and Gentoo's sshd_config have it; a hand-made one may not), and a
 * reload (OpenRC: restart) when either changed — by the init system the init fact names.
 */
export async function hardenSshd<V>(host: Host<V>, extra: readonly string[] = []): Promise<Result[]> {
  const dropin = await sysfile(host, {
    path: SSHD_DROPIN,
    content: sshdHardening(extra),
    mode: '0644',
    createParents: true,
    validate: 'sshd -t -f %s',
  });
  const include = await sysfile(host, {
    path: '/etc/ssh/sshd_config',
    line: 'Include /etc/ssh/sshd_config.d/*.conf',
    regexp: /^Include\s+"?\/etc\/ssh\/sshd_config\.d\/\*\.conf"?\s*$/,
    insertBefore: 'BOF',
  });
  if (changed(dropin, include)) {
    const { init } = await facts(host, 'init');
    // OpenRC: a restart (open sessions are their own processes and stay). The lab's sshd script has a reload
    // that Debian's start-stop-daemon under it cannot run (`--signal` without `--stop`).
    if (init.system === 'openrc')
      host.notify('sshd restart', () => service(host, { name: 'sshd', state: 'restarted' }));
    else if (init.system === 'systemd')
      host.notify('sshd reload', () => service(host, { name: 'ssh', state: 'reloaded' }));
    // No init drover drives (the lab's base hosts run sshd -D as PID 1): sshd re-reads its config on SIGHUP.
    else host.notify('sshd reload', () => command(host, { cmd: sh`kill -HUP "$(cat /run/sshd.pid)"` }));
  }
  return [dropin, include];
}
