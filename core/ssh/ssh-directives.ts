// Every ssh_config(5) directive (OpenSSH 9.2, Debian) and what drover does with it: honoured, refused
// (an error naming file:line before connecting, for the hosts it applies to) or irrelevant (no effect on
// where, as whom or how drover connects, or only ever makes a connection fail loudly). One table, read by
// the resolver (ssh-config.ts) and rendered into the README (directivesMarkdown).

export type Treatment = 'honoured' | 'refused' | 'irrelevant';

/** How repeated settings combine; OpenSSH's rule is "first obtained value wins" except for lists. */
export type Combine = 'first' | 'accumulate';

export interface Directive {
  /** As ssh_config(5) spells it. */
  name: string;
  /** Other spellings OpenSSH accepts for the same option (obsolete names, Debian aliases). */
  aliases?: string[];
  treatment: Treatment;
  reason: string;
  /** For `refused`: refused only for these values (undefined = any value but `none` is refused). */
  refuseWhen?: (args: string[]) => boolean;
  /** For the README: which values are refused. */
  when?: string;
  combine?: Combine;
  /** The rest of the line is one value, as written (commands). */
  rawValue?: boolean;
  /** Refused only when this other directive (lowercase) resolves to yes, as OpenSSH only acts then. */
  onlyWithYes?: string;
}

const NONE = (args: string[]) => args.length === 1 && args[0].toLowerCase() === 'none';
const notNone = (args: string[]) => !NONE(args);
const isNo = (args: string[]) => /^(no|false|off)$/i.test(args[0] ?? '');
const isYes = (args: string[]) => /^(yes|true)$/i.test(args[0] ?? '');
/** An algorithm list that replaces or removes (`-`) OpenSSH's defaults restricts them; `+`/`^` only add/reorder. */
const restricts = (args: string[]) => !/^[+^]/.test(args[0] ?? '');

const ALGOS =
  'drover (ssh2) negotiates its own algorithm set: a list that replaces or removes (`-`) algorithms is a restriction drover would not keep; `+`/`^` (add, reorder) are accepted, since an algorithm drover lacks only makes the connection fail';

export const DIRECTIVES: readonly Directive[] = [
  // --- structure
  {
    name: 'Host',
    treatment: 'honoured',
    reason:
      'patterns with `*`, `?`, `!negation`, several per line, matched as OpenSSH does (case-sensitive, against the name given, then the final HostName when a `Match final` pass runs)',
  },
  {
    name: 'Match',
    treatment: 'honoured',
    reason:
      '`all`, `host`, `originalhost`, `user`, `localuser`, `canonical`, `final` (and `!`); `Match exec` is never run: a `Match exec` that OpenSSH would run is an error naming file:line',
  },
  {
    name: 'Include',
    treatment: 'honoured',
    reason:
      'globs; relative paths from ~/.ssh (user config) or /etc/ssh (system config); nested; inside Host/Match applies only when that block matches',
  },
  {
    name: 'IgnoreUnknown',
    treatment: 'honoured',
    reason: 'unknown directives it names are skipped, as OpenSSH does; any other unknown directive is an error',
  },
  // --- honoured
  {
    name: 'Hostname',
    treatment: 'honoured',
    reason: 'the address connected to (`%h`, `%%` expanded); lowercased as OpenSSH does',
  },
  { name: 'User', treatment: 'honoured', reason: 'remote user (inventory `ansible_user` and `--user` win)' },
  { name: 'Port', treatment: 'honoured', reason: 'remote port (inventory `ansible_port` wins)' },
  {
    name: 'IdentityFile',
    aliases: ['identityfile2'],
    treatment: 'honoured',
    combine: 'accumulate',
    reason:
      'keys tried in order, `~` and `%%` `%C` `%d` `%h` `%i` `%k` `%L` `%l` `%n` `%p` `%r` `%u` expanded; `none` ignored',
  },
  { name: 'ConnectTimeout', treatment: 'honoured', reason: 'TCP connect + SSH handshake timeout, seconds' },
  // --- where drover connects
  {
    name: 'ProxyJump',
    treatment: 'honoured',
    reason:
      '`[user@]host[:port]` and `ssh://` URIs, comma lists (chains of any length), `none`, `%h %p %r %n %%` expanded (the target’s, as OpenSSH does); each jump host resolved through ssh_config as `ssh -J` does (its own HostName, User, Port, IdentityFile, known_hosts; the first one its own ProxyJump/ProxyCommand); one connection per jump host for the whole run, channels to the hosts behind it forwarded over it',
  },
  {
    name: 'ProxyCommand',
    treatment: 'honoured',
    rawValue: true,
    reason:
      'run with `/bin/sh -c exec …` (`%h %p %r %n %%` expanded); its stdin/stdout is the connection; host keys checked under HostName:Port (or HostKeyAlias) as OpenSSH does',
  },
  {
    name: 'ProxyUseFdpass',
    treatment: 'refused',
    refuseWhen: isYes,
    when: 'when `yes`',
    reason: 'drover uses the ProxyCommand’s stdin/stdout; it does not receive a passed descriptor',
  },
  {
    name: 'CanonicalizeHostname',
    treatment: 'refused',
    refuseWhen: (a) => !/^(no|false)$/i.test(a[0] ?? ''),
    when: 'unless `no`',
    reason: 'rewrites the host name through DNS; drover does not canonicalize',
  },
  { name: 'CanonicalDomains', treatment: 'irrelevant', reason: 'only used by CanonicalizeHostname, which is refused' },
  {
    name: 'CanonicalizeFallbackLocal',
    treatment: 'irrelevant',
    reason: 'only used by CanonicalizeHostname, which is refused',
  },
  {
    name: 'CanonicalizeMaxDots',
    treatment: 'irrelevant',
    reason: 'only used by CanonicalizeHostname, which is refused',
  },
  {
    name: 'CanonicalizePermittedCNAMEs',
    treatment: 'irrelevant',
    reason: 'only used by CanonicalizeHostname, which is refused',
  },
  {
    name: 'AddressFamily',
    treatment: 'refused',
    refuseWhen: (a) => !/^any$/i.test(a[0] ?? ''),
    when: 'unless `any`',
    reason: 'restricts IPv4/IPv6; drover uses whatever the name resolves to',
  },
  {
    name: 'BindAddress',
    treatment: 'refused',
    refuseWhen: notNone,
    when: 'unless `none`',
    reason: 'sets the local source address; drover does not',
  },
  {
    name: 'BindInterface',
    treatment: 'refused',
    refuseWhen: notNone,
    when: 'unless `none`',
    reason: 'sets the local source interface; drover does not',
  },
  {
    name: 'ConnectionAttempts',
    treatment: 'irrelevant',
    reason: 'drover tries once; a failure is reported as unreachable',
  },
  // --- as whom (authentication)
  {
    name: 'CertificateFile',
    treatment: 'refused',
    combine: 'accumulate',
    refuseWhen: notNone,
    when: 'unless `none`',
    reason: 'certificate authentication is not supported',
  },
  {
    name: 'PKCS11Provider',
    aliases: ['smartcarddevice'],
    treatment: 'refused',
    refuseWhen: notNone,
    when: 'unless `none`',
    reason: 'keys on a PKCS#11 token are not used by drover',
  },
  {
    name: 'IdentityAgent',
    treatment: 'refused',
    refuseWhen: (a) => !NONE(a) && !/^(SSH_AUTH_SOCK|\$\{SSH_AUTH_SOCK\})$/.test(a[0]),
    when: 'unless `none`, `SSH_AUTH_SOCK` or `${SSH_AUTH_SOCK}`',
    reason: 'drover uses the agent at $SSH_AUTH_SOCK only',
  },
  {
    name: 'PubkeyAuthentication',
    aliases: ['dsaauthentication'],
    treatment: 'refused',
    refuseWhen: isNo,
    when: 'when `no`',
    reason: 'drover authenticates with public keys only',
  },
  {
    name: 'IdentitiesOnly',
    treatment: 'irrelevant',
    reason:
      'only narrows which keys are offered; drover offers IdentityFile keys first, then agent keys, for the same user',
  },
  {
    name: 'SecurityKeyProvider',
    treatment: 'irrelevant',
    reason: 'FIDO keys cannot be used by drover: such a key file fails to load, loudly',
  },
  { name: 'AddKeysToAgent', treatment: 'irrelevant', reason: 'drover never adds keys to the agent' },
  { name: 'PasswordAuthentication', treatment: 'irrelevant', reason: 'drover never uses passwords to log in' },
  {
    name: 'KbdInteractiveAuthentication',
    aliases: ['challengeresponseauthentication', 'skeyauthentication', 'tisauthentication'],
    treatment: 'irrelevant',
    reason: 'drover never uses keyboard-interactive',
  },
  { name: 'KbdInteractiveDevices', treatment: 'irrelevant', reason: 'drover never uses keyboard-interactive' },
  { name: 'NumberOfPasswordPrompts', treatment: 'irrelevant', reason: 'drover never prompts to log in' },
  { name: 'BatchMode', treatment: 'irrelevant', reason: 'drover never prompts to log in (always batch)' },
  {
    name: 'PreferredAuthentications',
    treatment: 'irrelevant',
    reason: 'drover uses public keys only; a server wanting something else fails the login loudly',
  },
  {
    name: 'HostbasedAuthentication',
    treatment: 'irrelevant',
    reason: 'drover never uses host-based authentication; a server requiring it fails the login loudly',
  },
  {
    name: 'HostbasedAcceptedAlgorithms',
    aliases: ['hostbasedkeytypes'],
    treatment: 'irrelevant',
    reason: 'host-based authentication is never used',
  },
  { name: 'EnableSSHKeysign', treatment: 'irrelevant', reason: 'host-based authentication is never used' },
  {
    name: 'GSSAPIAuthentication',
    treatment: 'irrelevant',
    reason: 'drover never uses GSSAPI (Debian sets it in /etc/ssh/ssh_config)',
  },
  { name: 'GSSAPIDelegateCredentials', treatment: 'irrelevant', reason: 'GSSAPI is never used' },
  { name: 'GSSAPIClientIdentity', treatment: 'irrelevant', reason: 'GSSAPI is never used' },
  { name: 'GSSAPIKeyExchange', treatment: 'irrelevant', reason: 'GSSAPI is never used' },
  { name: 'GSSAPIKexAlgorithms', treatment: 'irrelevant', reason: 'GSSAPI is never used' },
  { name: 'GSSAPIRenewalForcesRekey', treatment: 'irrelevant', reason: 'GSSAPI is never used' },
  { name: 'GSSAPIServerIdentity', treatment: 'irrelevant', reason: 'GSSAPI is never used' },
  { name: 'GSSAPITrustDns', treatment: 'irrelevant', reason: 'GSSAPI is never used' },
  // --- how the server is verified
  {
    name: 'HostKeyAlias',
    treatment: 'honoured',
    reason: 'host keys are looked up (and accept-new records them) under this name, without the port, as OpenSSH does',
  },
  {
    name: 'UserKnownHostsFile',
    treatment: 'honoured',
    reason:
      'known_hosts files read in order (`~` and tokens expanded; `none`: no file, every key unknown); accept-new records in the first; the inventory var `known_hosts_file` wins',
  },
  {
    name: 'GlobalKnownHostsFile',
    treatment: 'refused',
    refuseWhen: (a) => !(a.length === 1 && /^(none|\/dev\/null)$/i.test(a[0])),
    when: 'unless `none` or `/dev/null`',
    reason:
      'drover does not read global known_hosts files (a key vouched for only there would be unknown); `/dev/null` says the same as drover',
  },
  {
    name: 'KnownHostsCommand',
    treatment: 'refused',
    rawValue: true,
    refuseWhen: notNone,
    when: 'unless `none`',
    reason: 'host keys from a command are not used by drover',
  },
  {
    name: 'RevokedHostKeys',
    treatment: 'refused',
    refuseWhen: notNone,
    when: 'unless `none`',
    reason:
      'drover does not read revocation files (only `@revoked` lines in known_hosts); a revoked key would be accepted',
  },
  {
    name: 'StrictHostKeyChecking',
    treatment: 'refused',
    refuseWhen: isNo,
    when: 'when `no`/`off`',
    reason:
      'drover always verifies host keys: `accept-new` records unknown keys of that host (as --accept-new-host-keys does), `yes`/`ask` behave as `yes` (a changed key is always refused)',
  },
  { name: 'CheckHostIP', treatment: 'irrelevant', reason: 'drover looks keys up under the address it connects to' },
  {
    name: 'VerifyHostKeyDNS',
    treatment: 'irrelevant',
    reason: 'drover ignores SSHFP records: a host only they vouch for is unknown, loudly',
  },
  {
    name: 'NoHostAuthenticationForLocalhost',
    treatment: 'irrelevant',
    reason: 'drover verifies localhost too (stricter, never silent)',
  },
  { name: 'UpdateHostKeys', treatment: 'irrelevant', reason: 'drover never learns extra keys from the server' },
  {
    name: 'HashKnownHosts',
    treatment: 'irrelevant',
    reason: 'only affects how accepted keys are written (drover writes plain names)',
  },
  { name: 'FingerprintHash', treatment: 'irrelevant', reason: 'drover always shows SHA256 fingerprints' },
  { name: 'VisualHostKey', treatment: 'irrelevant', reason: 'display only' },
  // --- algorithm restrictions
  {
    name: 'Ciphers',
    treatment: 'refused',
    refuseWhen: restricts,
    when: 'unless it starts with `+` or `^`',
    reason: ALGOS,
  },
  {
    name: 'MACs',
    treatment: 'refused',
    refuseWhen: restricts,
    when: 'unless it starts with `+` or `^`',
    reason: ALGOS,
  },
  {
    name: 'KexAlgorithms',
    treatment: 'refused',
    refuseWhen: restricts,
    when: 'unless it starts with `+` or `^`',
    reason: ALGOS,
  },
  {
    name: 'HostKeyAlgorithms',
    treatment: 'refused',
    refuseWhen: restricts,
    when: 'unless it starts with `+` or `^`',
    reason: ALGOS,
  },
  {
    name: 'PubkeyAcceptedAlgorithms',
    aliases: ['pubkeyacceptedkeytypes'],
    treatment: 'refused',
    refuseWhen: restricts,
    when: 'unless it starts with `+` or `^`',
    reason: ALGOS,
  },
  { name: 'CASignatureAlgorithms', treatment: 'irrelevant', reason: 'only for certificates, which are not supported' },
  { name: 'RequiredRSASize', treatment: 'refused', reason: 'a minimum RSA key size drover does not enforce' },
  {
    name: 'RekeyLimit',
    treatment: 'irrelevant',
    reason: 'rekeying is the SSH library’s; it does not change the peer or identity',
  },
  // --- what runs / session
  {
    name: 'RemoteCommand',
    treatment: 'refused',
    rawValue: true,
    refuseWhen: notNone,
    when: 'unless `none`',
    reason: 'drover runs its own `sh` on the host, not this command',
  },
  {
    name: 'LocalCommand',
    treatment: 'refused',
    rawValue: true,
    refuseWhen: notNone,
    onlyWithYes: 'permitlocalcommand',
    when: 'unless `none`, when PermitLocalCommand is yes',
    reason: 'drover does not run local commands on connect',
  },
  { name: 'PermitLocalCommand', treatment: 'irrelevant', reason: 'see LocalCommand (refused when this is yes)' },
  { name: 'SessionType', treatment: 'irrelevant', reason: 'drover always opens one `sh` session' },
  { name: 'RequestTTY', treatment: 'irrelevant', reason: 'drover never allocates a TTY' },
  { name: 'StdinNull', treatment: 'irrelevant', reason: 'command-line behaviour of ssh(1) only' },
  { name: 'ForkAfterAuthentication', treatment: 'irrelevant', reason: 'command-line behaviour of ssh(1) only' },
  { name: 'EscapeChar', treatment: 'irrelevant', reason: 'no interactive session' },
  { name: 'EnableEscapeCommandline', treatment: 'irrelevant', reason: 'no interactive session' },
  {
    name: 'SendEnv',
    treatment: 'irrelevant',
    combine: 'accumulate',
    reason: 'drover sends no environment (Debian sets `SendEnv LANG LC_*`)',
  },
  {
    name: 'SetEnv',
    treatment: 'irrelevant',
    combine: 'accumulate',
    reason: 'drover sets no remote environment; commands needing it fail visibly',
  },
  {
    name: 'ForwardAgent',
    treatment: 'irrelevant',
    reason: 'drover never forwards the agent; a remote command needing it fails visibly',
  },
  { name: 'ForwardX11', treatment: 'irrelevant', reason: 'no X11 forwarding' },
  { name: 'ForwardX11Timeout', treatment: 'irrelevant', reason: 'no X11 forwarding' },
  { name: 'ForwardX11Trusted', treatment: 'irrelevant', reason: 'no X11 forwarding' },
  { name: 'XAuthLocation', treatment: 'irrelevant', reason: 'no X11 forwarding' },
  { name: 'LocalForward', treatment: 'irrelevant', combine: 'accumulate', reason: 'no port forwarding' },
  {
    name: 'RemoteForward',
    treatment: 'irrelevant',
    combine: 'accumulate',
    reason: 'no port forwarding; a remote command needing it fails visibly',
  },
  { name: 'DynamicForward', treatment: 'irrelevant', combine: 'accumulate', reason: 'no port forwarding' },
  { name: 'GatewayPorts', treatment: 'irrelevant', reason: 'no port forwarding' },
  { name: 'ClearAllForwardings', treatment: 'irrelevant', reason: 'no port forwarding' },
  { name: 'ExitOnForwardFailure', treatment: 'irrelevant', reason: 'no port forwarding' },
  { name: 'PermitRemoteOpen', treatment: 'irrelevant', reason: 'no port forwarding' },
  { name: 'StreamLocalBindMask', treatment: 'irrelevant', reason: 'no port forwarding' },
  { name: 'StreamLocalBindUnlink', treatment: 'irrelevant', reason: 'no port forwarding' },
  { name: 'Tunnel', treatment: 'irrelevant', reason: 'no tun/tap forwarding' },
  { name: 'TunnelDevice', treatment: 'irrelevant', reason: 'no tun/tap forwarding' },
  // --- connection housekeeping
  {
    name: 'ControlMaster',
    treatment: 'irrelevant',
    reason: 'drover keeps its own one connection per host (no multiplexing)',
  },
  {
    name: 'ControlPath',
    treatment: 'irrelevant',
    reason: 'drover keeps its own one connection per host (no multiplexing)',
  },
  {
    name: 'ControlPersist',
    treatment: 'irrelevant',
    reason: 'drover keeps its own one connection per host (no multiplexing)',
  },
  {
    name: 'ServerAliveInterval',
    aliases: ['protocolkeepalives', 'setuptimeout'],
    treatment: 'irrelevant',
    reason: 'keepalive timing does not change the peer or identity',
  },
  {
    name: 'ServerAliveCountMax',
    treatment: 'irrelevant',
    reason: 'keepalive timing does not change the peer or identity',
  },
  { name: 'TCPKeepAlive', treatment: 'irrelevant', reason: 'keepalive timing does not change the peer or identity' },
  { name: 'Compression', treatment: 'irrelevant', reason: 'performance only' },
  { name: 'IPQoS', treatment: 'irrelevant', reason: 'performance only' },
  { name: 'LogLevel', treatment: 'irrelevant', reason: 'ssh(1) logging' },
  { name: 'LogVerbose', treatment: 'irrelevant', reason: 'ssh(1) logging' },
  { name: 'SyslogFacility', treatment: 'irrelevant', reason: 'ssh(1) logging' },
  // --- obsolete spellings OpenSSH still accepts (and ignores)
  {
    name: 'Protocol',
    aliases: [
      'cipher',
      'fallbacktorsh',
      'globalknownhostsfile2',
      'rhostsauthentication',
      'userknownhostsfile2',
      'useroaming',
      'usersh',
      'useprivilegedport',
      'afstokenpassing',
      'kerberosauthentication',
      'kerberostgtpassing',
      'rsaauthentication',
      'rhostsrsaauthentication',
      'compressionlevel',
    ],
    treatment: 'irrelevant',
    reason:
      'obsolete: OpenSSH ignores it (and these aliases: Cipher, FallBackToRsh, RhostsAuthentication, UseRoaming, UsePrivilegedPort, RSAAuthentication, CompressionLevel, …)',
  },
];

const byKeyword = new Map<string, Directive>();
for (const d of DIRECTIVES) {
  byKeyword.set(d.name.toLowerCase(), d);
  for (const a of d.aliases ?? []) byKeyword.set(a, d);
}

/** The directive a keyword (any case, any alias) names, or undefined when OpenSSH does not know it. */
export function directive(keyword: string): Directive | undefined {
  return byKeyword.get(keyword.toLowerCase());
}

/** Whether this value of `d` makes drover refuse the host. */
export function refuses(d: Directive, args: string[], valueOf: (keyword: string) => string[] | undefined): boolean {
  if (d.treatment !== 'refused') return false;
  if (d.onlyWithYes && !isYes(valueOf(d.onlyWithYes) ?? [])) return false;
  return d.refuseWhen ? d.refuseWhen(args) : true;
}

/** The README table (Connections → How a host is reached), from the same data the resolver uses. */
export function directivesMarkdown(): string {
  const rows = [...DIRECTIVES].sort((a, b) => a.name.localeCompare(b.name, 'en'));
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const out = ['| directive | drover | why |', '| --- | --- | --- |'];
  for (const d of rows) {
    const what = d.treatment === 'refused' ? `**refused**${d.when ? ` ${d.when}` : ''}` : d.treatment;
    out.push(`| \`${d.name}\` | ${cell(what)} | ${cell(d.reason)} |`);
  }
  return out.join('\n') + '\n';
}
