// binhostServer: a host serves its PKGDIR over HTTP (python3's http.server as an OpenRC service), so other hosts
// install the binary packages it built (`emerge(..., { buildpkg: true })` here, `{ binhost: URL }` there).
import type { Host } from '../../core/host.ts';
import { sysfile, type SysfileResult } from '../files/sysfile.ts';
import { service, type ServiceResult } from '../system/service.ts';

export interface BinhostServerParams {
  /** TCP port (default 8200). */
  port?: number;
  /** The directory served: the host's PKGDIR (default /var/cache/binpkgs, Portage's default). */
  pkgdir?: string;
  /** Address to listen on (default 0.0.0.0: every address; give the cluster network's address to keep it there). */
  bind?: string;
  /** The OpenRC service's name (default "drover-binhost"): /etc/init.d/NAME. */
  name?: string;
}

export interface BinhostServerResult {
  /** The init script's write, and the service's start/enable (or restart after the script changed). */
  script: SysfileResult;
  service?: ServiceResult;
  /** The URL other hosts give as `binhost` (with this host's name). */
  url: string;
}

/** Checks the params (pure; every value lands in a shell script, so each is one plain word). */
export function binhostServerRequest(p: BinhostServerParams): Required<BinhostServerParams> {
  const port = p.port ?? 8200;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`port must be an integer 1..65535, got ${JSON.stringify(p.port)}`);
  const pkgdir = p.pkgdir ?? '/var/cache/binpkgs';
  if (!/^\/[A-Za-z0-9._/-]*$/.test(pkgdir) || pkgdir.split('/').includes('..'))
    throw new Error(`pkgdir must be an absolute path of letters, digits and . _ - /, got ${JSON.stringify(pkgdir)}`);
  const bind = p.bind ?? '0.0.0.0';
  if (!/^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$/.test(bind))
    throw new Error(`bind must be an IPv4 or IPv6 address, got ${JSON.stringify(bind)}`);
  const name = p.name ?? 'drover-binhost';
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name))
    throw new Error(`name must be a plain service name, got ${JSON.stringify(name)}`);
  return { port, pkgdir, bind, name };
}

/**
 * The OpenRC script (pure). The server runs as the portage user: PKGDIR is readable by it, and nothing else needs root.
 * No output_log: the access log goes nowhere, because Debian's start-stop-daemon (the lab's OpenRC) has no --stdout.
 */
export function binhostInitScript(r: Required<BinhostServerParams>): string {
  return [
    '#!/sbin/openrc-run',
    "# Written by drover (modules/portage/binhost-server.ts): serves PKGDIR to other hosts' emerge --getbinpkg.",
    `description="drover binhost: binary packages of ${r.pkgdir} over HTTP on port ${r.port}"`,
    'command=/usr/bin/python3',
    `command_args="-m http.server --bind ${r.bind} --directory ${r.pkgdir} ${r.port}"`,
    'command_user="portage:portage"',
    'command_background=yes',
    'pidfile="/run/${RC_SVCNAME}.pid"',
    '',
    'depend() {',
    '\tuse net',
    '}',
    '',
    'start_pre() {',
    // PKGDIR may not exist before the first --buildpkg (an existing one is left as it is)
    `\t[ -d ${r.pkgdir} ] || checkpath -d -o portage:portage -m 0775 ${r.pkgdir}`,
    '}',
    '',
  ].join('\n');
}

/**
 * Makes `host` a binhost: writes /etc/init.d/drover-binhost (python3 -m http.server over PKGDIR, as the portage
 * user) and starts it at boot and now; restarts it when the script changed. Idempotent: a second call changes
 * nothing. In --check a first call reports the script and skips the service (it cannot exist before the script).
 * python3's server is enough on a trusted cluster network; a public binhost wants a real web server and signed
 * binary packages (Portage's binpkg-request-signature).
 */
export async function binhostServer<V>(host: Host<V>, params: BinhostServerParams = {}): Promise<BinhostServerResult> {
  const r = binhostServerRequest(params);
  const script = await sysfile(host, {
    path: `/etc/init.d/${r.name}`,
    content: binhostInitScript(r),
    mode: '0755',
    owner: 'root',
    group: 'root',
  });
  const url = `http://${host.name}:${r.port}`;
  if (host.check && script.changes.some((c) => c.before === null)) {
    host.log(`--check: /etc/init.d/${r.name} is not written yet, so the service is not asked`);
    return { script, url };
  }
  const svc = await service(host, { name: r.name, state: script.changed ? 'restarted' : 'started', enabled: true });
  return { script, service: svc, url };
}
