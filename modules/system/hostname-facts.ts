// hostname's facts: one probe reading the three files it manages and the live names (hostname, hostname -f, getent ahosts, OpenRC or not).
import { probe } from '../../core/module.ts';
import { ProbeFormatError, type ProbeFrame, type ProbeSections } from '../../core/probe-frame.ts';
import { sh, ShellCommand } from '../../core/sh.ts';
import { checkDnsName } from '../shared/dns-name.ts';
import { fileSections, probeCall, readFileProbe, type FileState } from '../shared/remote-file.ts';

/** The files hostname manages, in the order of HostnameFacts.files. */
export const HOSTNAME_FILES = ['/etc/hostname', '/etc/conf.d/hostname', '/etc/hosts'] as const;

/** What the host says its names are. */
export interface LiveNames {
  /** `hostname` (the kernel's name, any bytes it holds). */
  live: string;
  /** `hostname -f`, asked only when `live` is already the wanted name ('' otherwise). */
  fqdn: string;
  /** `getent ahosts NAME`, one address each, asked only when `live` is already the wanted name. */
  addresses: string[];
  openrc: boolean;
}

export interface HostnameFacts {
  /** /etc/hostname, /etc/conf.d/hostname, /etc/hosts (content, symlinks followed). */
  files: FileState[];
  names: LiveNames;
}

/** The sections verifyProbe prints. */
export const VERIFY_SECTIONS = ['live', 'fqdn', 'getent', 'openrc'] as const;

// `getent ahosts` (getaddrinfo, as Ganeti resolves) rather than `getent hosts`: the latter asks for an
// IPv6 address first and falls through to DNS even when /etc/hosts has the IPv4 one (20 s per call
// with an unreachable resolver).
/**
 * Sections of `frame`: live (`hostname`), fqdn (`hostname -f`; rc 2 when not asked), getent (one address
 * a line), openrc (rc 0 when OpenRC is the init). Each value in its own section: a name read from the
 * host cannot pass for another fact.
 */
export function verifyProbe(frame: ProbeFrame, name: string): ShellCommand {
  checkDnsName(name, 'name');
  // Resolution is only asked when the live name is already right: a name not yet in /etc/hosts would
  // wait for DNS, and after a change the apply step asks again anyway.
  return ShellCommand.join([
    sh`l=$(hostname)`,
    frame.section('live', sh`printf '%s' "$l"`),
    frame.section('fqdn', sh`if [ "$l" = ${name} ]; then hostname -f 2>/dev/null; else (exit 2); fi`),
    frame.section('getent', sh`if [ "$l" = ${name} ]; then getent ahosts ${name} | awk '!seen[$1]++ {print $1}'; fi`),
    frame.section('openrc', sh`command -v rc-service >/dev/null 2>&1 || [ -x /sbin/openrc-run ]`),
  ]);
}

/** The names from verifyProbe's sections (strict). */
export function parseVerify(s: ProbeSections): LiveNames {
  const fqdn = s.get('fqdn');
  const line = (text: string, what: string) => {
    if (text !== '' && !/^[^\n]*\n$/.test(text))
      throw new ProbeFormatError(`${what} printed more than one line: ${JSON.stringify(text.slice(0, 80))}`);
    return text.replace(/\n$/, '');
  };
  const addresses = s.text('getent').split('\n').filter(Boolean);
  if (addresses.some((a) => !/^[0-9A-Fa-f.:]+$/.test(a)))
    throw new ProbeFormatError(`getent printed ${JSON.stringify(s.text('getent').slice(0, 80))}`);
  return {
    live: s.text('live'),
    fqdn: fqdn.status === 0 ? line(fqdn.text, 'hostname -f') : '',
    addresses,
    openrc: s.status('openrc') === 0,
  };
}

const fileKey = (i: number) => `f${i}`;

/** hostname's one read: the three files and the live names. */
export const hostnameFacts = probe<{ name: string }, HostnameFacts>(
  (p, frame) =>
    ShellCommand.join([
      ...HOSTNAME_FILES.map((path, i) => probeCall(frame, fileKey(i), path, { content: true, follow: true })),
      verifyProbe(frame, p.name),
    ]),
  (s) => ({ files: HOSTNAME_FILES.map((path, i) => readFileProbe(s, fileKey(i), path)), names: parseVerify(s) }),
  () => [...HOSTNAME_FILES.flatMap((_, i) => fileSections(fileKey(i))), ...VERIFY_SECTIONS],
);
