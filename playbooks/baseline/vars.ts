// playbooks/baseline.ts's vars: who may log in, what the kernel and sshd are set to, which packages, per package manager.
import type { Secret } from 'drover';

/** One administrator: an account in the admin group, logging in by key only. */
export interface Admin {
  name: string;
  /** Public key lines; the account's authorized_keys holds exactly these. */
  keys: readonly string[];
  shell?: string;
  comment?: string;
  /** A crypt(3) hash for sudo (`openssl passwd -6`, `mkpasswd -m sha-512`); without it the account has no password. */
  passwordHash?: Secret;
}

/** A cron job in /etc/cron.d/drover-baseline. */
export interface BaselineCronJob {
  name: string;
  job: string;
  special?: 'reboot' | 'hourly' | 'daily' | 'weekly' | 'monthly';
  minute?: string | number;
  hour?: string | number;
}

export interface BaselineVars {
  admins: readonly Admin[];
  /** The group admins share; sudo is granted to it (default 'admins'). */
  adminGroup?: string;
  /** Accounts that must not exist (former staff): removed with their home. */
  removedUsers?: readonly string[];
  /** Kernel parameters, persisted in /etc/sysctl.d/60-drover-baseline.conf (default: BASELINE_SYSCTL). */
  sysctl?: Readonly<Record<string, string | number>>;
  /** Packages per package manager; the host's own manager (the packageManager fact) picks its list. */
  packages?: { apt?: readonly string[]; portage?: readonly string[] };
  /** NTP servers for chrony (installed, configured and started when given). */
  timeServers?: readonly string[];
  /** More sshd_config lines for the hardening drop-in ('AllowGroups admins root'). */
  sshdExtra?: readonly string[];
  cronJobs?: readonly BaselineCronJob[];
}

/**
 * Network hardening only: these live in each network namespace, so a lab host's are its own (kernel.*
 * parameters would be the whole machine's in the lab, and belong in a site's own list).
 */
export const BASELINE_SYSCTL: Readonly<Record<string, number>> = {
  'net.ipv4.conf.all.accept_redirects': 0,
  'net.ipv4.conf.default.accept_redirects': 0,
  'net.ipv4.conf.all.send_redirects': 0,
  'net.ipv4.conf.all.accept_source_route': 0,
  'net.ipv4.conf.all.log_martians': 1,
  'net.ipv4.icmp_echo_ignore_broadcasts': 1,
  'net.ipv4.tcp_syncookies': 1,
};

/** What a fresh host gets when the inventory names no packages. */
export const BASELINE_PACKAGES = { apt: ['sudo', 'openssh-server'], portage: ['app-admin/sudo'] } as const;
