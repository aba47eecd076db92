// The lab's own ebuild repository and profile for real Portage (profiles gentoo-real, ganeti-real): small EAPI 8
// ebuilds that compile nothing and only install a note file, so `emerge` resolves, plans and installs as on a
// Gentoo host. Pure: returns file contents by path; the layer build writes them to /var/db/repos/drover-lab.
//
// What these packages mean on a lab host: they are Portage's view only. The real programs come from Debian
// (lvm2 and openrc in the gentoo layer, Ganeti 3.0.2 in the ganeti layer). Installing app-emulation/ganeti
// records it in /var/db/pkg and the world file and installs /usr/share/drover-lab/app-emulation/ganeti; it
// neither adds nor removes Debian's Ganeti.
import { createHash } from 'node:crypto';
import { labSlowFiles } from './portage-slow.ts';

export const labRepoName = 'drover-lab';
export const labProfilePath = 'profiles/drover-lab/amd64';

export interface LabEbuild {
  /** category/name-version */
  cpv: string;
  keywords: string;
  iuse?: string;
  requiredUse?: string;
  rdepend?: string;
  slot?: string;
  description: string;
  /** SRC_URI (a distfile: the repository's Manifest gets a DIST entry for it, see labDistfiles). */
  srcUri?: string;
  /** Ebuild phase functions besides src_install, by name ("src_compile"): their bash lines. */
  phases?: Record<string, string[]>;
}

/** The packages. Each one exists for a reason named in its description or the comment beside it. */
export const labEbuilds: readonly LabEbuild[] = [
  // The system set (profile `packages`): installed when the layer is built. The portage entry records the
  // real release the layer runs (same version), as a Gentoo host's vdb does.
  {
    cpv: 'sys-apps/baselayout-2.14',
    keywords: 'amd64',
    iuse: 'build split-usr',
    description: 'Filesystem baselayout (lab: Debian provides the real files)',
  },
  {
    cpv: 'sys-apps/portage-3.0.82',
    keywords: 'amd64',
    iuse: 'apidoc build doc gentoo-dev +ipc +native-extensions +rsync-verify selinux test xattr',
    description:
      'The package management and distribution system for Gentoo (lab: the real release runs from /usr/lib/portage)',
  },
  // Installed when the layer is built: Debian's real lvm2 is in the layer.
  {
    cpv: 'sys-fs/lvm2-2.03.22-r5',
    keywords: 'amd64',
    iuse: 'lvm readline sanlock selinux static static-libs systemd thin +udev valgrind',
    description: 'User-land utilities for LVM2 (lab: Debian provides the real files)',
  },
  // What playbooks/ganeti.ts emerges. ~amd64 as in Gentoo; REQUIRED_USE as in the Gentoo ebuild; a masked
  // optional dependency (rbd? sys-cluster/ceph).
  {
    cpv: 'app-emulation/ganeti-3.0.2',
    keywords: '~amd64',
    iuse: 'drbd experimental ipv6 kvm lxc monitoring rbd restricted-commands syslog test xen',
    requiredUse: '|| ( kvm xen lxc ) test? ( ipv6 )',
    rdepend:
      'sys-fs/lvm2 drbd? ( sys-cluster/drbd-utils ) kvm? ( app-emulation/qemu ) xen? ( app-emulation/xen ) lxc? ( app-containers/lxc ) rbd? ( sys-cluster/ceph )',
    description: 'Ganeti cluster virtualization manager (lab: metadata only, Debian provides Ganeti 3.0.2)',
  },
  {
    cpv: 'sys-cluster/drbd-utils-9.27.0',
    keywords: '~amd64',
    iuse: 'pacemaker +udev xen',
    description: 'mirror/replicate block-devices across a network-connection (lab: metadata only)',
  },
  // Two versions: stable and ~amd64, so a keyword change is an upgrade.
  {
    cpv: 'app-emulation/qemu-8.2.3',
    keywords: 'amd64',
    iuse: 'aio +curl +fdt gnutls io-uring ncurses +seccomp spice usb vhost-net +vnc',
    description: 'QEMU + Kernel-based Virtual Machine userland tools (lab: metadata only)',
  },
  {
    cpv: 'app-emulation/qemu-9.0.1',
    keywords: '~amd64',
    iuse: 'aio +curl +fdt gnutls io-uring ncurses +seccomp spice usb vhost-net +vnc',
    description: 'QEMU + Kernel-based Virtual Machine userland tools (lab: metadata only)',
  },
  {
    cpv: 'app-emulation/xen-4.18.2',
    keywords: 'amd64',
    iuse: 'debug flask secureboot',
    description: 'The Xen virtual machine monitor (lab: metadata only)',
  },
  {
    cpv: 'app-containers/lxc-6.0.0',
    keywords: 'amd64',
    slot: '0/1',
    iuse: 'apparmor +caps io-uring pam seccomp selinux ssl +tools',
    description: 'A userspace interface for the Linux kernel containment features (lab: metadata only)',
  },
  // Masked in the profile's package.mask (with a comment, as Gentoo's masks have).
  {
    cpv: 'sys-cluster/ceph-19.2.0',
    keywords: 'amd64',
    iuse: 'babeltrace +mgr +radosgw',
    description: 'Ceph distributed filesystem (lab: metadata only, masked on purpose)',
  },
  // A small package for install/remove tests; a newer ~amd64 version exists.
  {
    cpv: 'app-misc/screen-4.9.1',
    keywords: 'amd64',
    iuse: 'debug multiuser nethack pam selinux',
    description: 'screen manager with VT100/ANSI terminal emulation (lab: metadata only)',
  },
  {
    cpv: 'app-misc/screen-5.0.0',
    keywords: '~amd64',
    iuse: 'debug multiuser nethack pam selinux',
    description: 'screen manager with VT100/ANSI terminal emulation (lab: metadata only)',
  },
  // Two stable versions: installing =net-misc/socat-1.7.4.4 and then updating is a real upgrade.
  {
    cpv: 'net-misc/socat-1.7.4.4',
    keywords: 'amd64',
    iuse: 'ipv6 readline ssl tcpd',
    description: 'Multipurpose relay (SOcket CAT) (lab: metadata only)',
  },
  {
    cpv: 'net-misc/socat-1.8.0.0',
    keywords: 'amd64',
    iuse: 'ipv6 readline ssl tcpd',
    description: 'Multipurpose relay (SOcket CAT) (lab: metadata only)',
  },
  // A blocker pair: each blocks the other, so installing one while the other is installed is refused.
  {
    cpv: 'app-misc/lab-blocker-a-1.0',
    keywords: 'amd64',
    rdepend: '!app-misc/lab-blocker-b',
    description: 'drover lab: blocks app-misc/lab-blocker-b',
  },
  {
    cpv: 'app-misc/lab-blocker-b-1.0',
    keywords: 'amd64',
    rdepend: '!app-misc/lab-blocker-a',
    description: 'drover lab: blocks app-misc/lab-blocker-a',
  },
  // The profile masks `lxc` and forces `caps` for this package (labUseMasks): Portage shows them as (-lxc) (caps).
  {
    cpv: 'app-misc/lab-flags-1.0',
    keywords: 'amd64',
    iuse: 'caps lxc plain',
    description: 'drover lab: a USE flag the profile masks (lxc) and one it forces (caps)',
  },
  // A newer version whose IUSE has one more flag (extra): a USE change installed 1.0 does not know is an upgrade.
  {
    cpv: 'app-misc/lab-iuse-1.0',
    keywords: 'amd64',
    iuse: 'base',
    description: 'drover lab: IUSE grows in the next version',
  },
  {
    cpv: 'app-misc/lab-iuse-1.1',
    keywords: 'amd64',
    iuse: 'base extra',
    description: 'drover lab: IUSE grows in the next version (extra)',
  },
  // A build that fails in src_compile with compiler-like output and a die message (issue 26): the error
  // must name the package, the phase, the die message and the build log's tail. The token is registered
  // as a secret by the test, so its masking in the log tail is checked.
  {
    cpv: 'app-misc/lab-fail-1.0',
    keywords: 'amd64',
    description: 'drover lab: dies in src_compile on purpose',
    phases: {
      src_compile: [
        'echo "x86_64-pc-linux-gnu-gcc -O2 -pipe -c lab-fail.c -o lab-fail.o"',
        'echo "lab-fail.c:12:5: error: \'undeclared_thing\' undeclared (first use in this function)"',
        'echo "lab-fail: api token lab-secret-4f2a9c0d in the build output"',
        'die "lab-fail: compile failed on purpose (drover lab)"',
      ],
    },
  },
  // A distfile nobody serves (loopback port 9): the fetch fails, and the error must name the package and the file.
  {
    cpv: 'app-misc/lab-fetch-1.0',
    keywords: 'amd64',
    srcUri: 'http://127.0.0.1:9/lab-fetch-1.0.tar.gz',
    description: 'drover lab: its distfile cannot be fetched',
  },
  // USE_EXPAND flags (PYTHON_TARGETS, in the profile's USE_EXPAND): python_targets_python3_13, also written
  // `PYTHON_TARGETS: python3_13` in package.use.
  {
    cpv: 'dev-python/lab-py-1.0',
    keywords: 'amd64',
    iuse: 'python_targets_python3_12 python_targets_python3_13',
    description: 'drover lab: USE_EXPAND flags (PYTHON_TARGETS)',
  },
  // Sub-slots 0/1 and 0/2: `app-misc/lab-sub:0/2` is not satisfied by 1.0. lab-subdep binds to the sub-slot
  // (`:=`), so an update of lab-sub rebuilds it; lab-pin also binds but needs <2, so `--update` of lab-sub is
  // skipped by Portage with a slot conflict.
  {
    cpv: 'app-misc/lab-sub-1.0',
    keywords: 'amd64',
    slot: '0/1',
    description: 'drover lab: sub-slot 0/1',
  },
  {
    cpv: 'app-misc/lab-sub-2.0',
    keywords: 'amd64',
    slot: '0/2',
    description: 'drover lab: sub-slot 0/2',
  },
  {
    cpv: 'app-misc/lab-subdep-1.0',
    keywords: 'amd64',
    rdepend: 'app-misc/lab-sub:=',
    description: 'drover lab: a slot-operator dependant of lab-sub',
  },
  {
    cpv: 'app-misc/lab-pin-1.0',
    keywords: 'amd64',
    rdepend: '<app-misc/lab-sub-2:=',
    description: 'drover lab: a slot-operator dependant that holds lab-sub below 2',
  },
  // Two slots side by side (1 and 2): a slotted atom for the second slot needs its own world entry.
  {
    cpv: 'app-misc/lab-slot-1.0',
    keywords: 'amd64',
    slot: '1',
    description: 'drover lab: slot 1',
  },
  {
    cpv: 'app-misc/lab-slot-2.0',
    keywords: 'amd64',
    slot: '2',
    description: 'drover lab: slot 2',
  },
];

/** The profile's package.use.mask / package.use.force lines (with the comment Gentoo's profiles put above them). */
export const labUseMasks: readonly {
  file: 'package.use.mask' | 'package.use.force';
  atom: string;
  flags: string;
  comment: string;
}[] = [
  {
    file: 'package.use.mask',
    atom: 'app-misc/lab-flags',
    flags: 'lxc',
    comment: 'drover lab: masked on purpose, so that a profile-masked flag can be tested.',
  },
  {
    file: 'package.use.force',
    atom: 'app-misc/lab-flags',
    flags: 'caps',
    comment: 'drover lab: forced on purpose, so that a profile-forced flag can be tested.',
  },
];

/** Masked atoms with the comment Portage prints after `(masked by: package.mask)`. */
export const labMasks: readonly { atom: string; comment: string }[] = [
  {
    atom: 'sys-cluster/ceph',
    comment: 'drover lab: masked on purpose, so that a masked dependency (ganeti[rbd]) can be tested.',
  },
];

/** The profile's system set: installed in the layer, as every Gentoo host has it. */
export const labSystemSet = ['sys-apps/baselayout', 'sys-apps/portage'];

function splitCpv(cpv: string): { cat: string; pn: string; pf: string } {
  const m = /^([a-z0-9-]+)\/([A-Za-z0-9+_-]+?)-(\d[\w.]*(?:-r\d+)?)$/.exec(cpv);
  if (!m) throw new Error(`lab ebuild: bad cpv ${JSON.stringify(cpv)}`);
  return { cat: m[1], pn: m[2], pf: `${m[2]}-${m[3]}` };
}

/** One ebuild: installs /usr/share/drover-lab/CAT/PN (naming the version and USE), nothing else. */
export function renderEbuild(e: LabEbuild): string {
  // In a slot other than 0 the note carries the slot: two slots side by side would collide on one file.
  const slot = (e.slot ?? '0').split('/')[0];
  const note = slot === '0' ? '${PN}' : `\${PN}-${slot}`;
  const lines = [
    '# Generated by drover (lab/portage-repo.ts) for the lab: installs one note file, compiles nothing.',
    'EAPI=8',
    '',
    `DESCRIPTION=${JSON.stringify(e.description)}`,
    'HOMEPAGE="https://example.org/drover-lab"',
    'S="${WORKDIR}"',
    'LICENSE="GPL-2"',
    `SLOT="${e.slot ?? '0'}"`,
    `KEYWORDS="${e.keywords}"`,
    `IUSE="${e.iuse ?? ''}"`,
    ...(e.srcUri ? [`SRC_URI="${e.srcUri}"`] : []),
    ...(e.requiredUse ? [`REQUIRED_USE="${e.requiredUse}"`] : []),
    ...(e.rdepend ? [`RDEPEND="${e.rdepend}"`] : []),
    'RESTRICT="mirror test"',
    '',
    ...Object.entries(e.phases ?? {}).flatMap(([name, body]) => [`${name}() {`, ...body.map((l) => `\t${l}`), '}', '']),
    'src_install() {',
    '\tmkdir -p "${ED}/usr/share/drover-lab/${CATEGORY}" || die',
    `\techo "\${CATEGORY}/\${PF} USE=\\"\${USE}\\"" > "\${ED}/usr/share/drover-lab/\${CATEGORY}/${note}" || die`,
    '}',
    '',
  ];
  return lines.join('\n');
}

/**
 * The Manifest of a package with a distfile (thin manifests: DIST lines only). The file's content is fixed, so
 * its hashes are real; nobody serves it, so a fetch fails (the lab's fetch-failure case).
 */
export function manifestFor(srcUri: string): string {
  const name = srcUri.slice(srcUri.lastIndexOf('/') + 1);
  const body = Buffer.from(`drover lab distfile ${name}\n`);
  const h = (alg: string) => createHash(alg).update(body).digest('hex');
  return `DIST ${name} ${body.length} BLAKE2B ${h('blake2b512')} SHA512 ${h('sha512')}\n`;
}

/** Every file of the repository, by path relative to its root. */
export function labRepoFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const cats = new Set<string>();
  for (const e of labEbuilds) {
    const { cat, pn, pf } = splitCpv(e.cpv);
    cats.add(cat);
    files[`${cat}/${pn}/${pf}.ebuild`] = renderEbuild(e);
    if (e.srcUri) files[`${cat}/${pn}/Manifest`] = manifestFor(e.srcUri);
    files[`${cat}/${pn}/metadata.xml`] =
      '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE pkgmetadata SYSTEM "https://www.gentoo.org/dtd/metadata.dtd">\n<pkgmetadata>\n\t<maintainer type="project">\n\t\t<email>drover-lab@example.org</email>\n\t</maintainer>\n</pkgmetadata>\n';
  }
  Object.assign(files, labSlowFiles()); // h24: the slow package (lab/portage-slow.ts)
  files['profiles/repo_name'] = `${labRepoName}\n`;
  files['profiles/categories'] = [...cats].sort().join('\n') + '\n';
  files['profiles/arch.list'] = 'amd64\n';
  files['profiles/profiles.desc'] = `amd64\t${labProfilePath.replace(/^profiles\//, '')}\tstable\n`;
  files['profiles/package.mask'] = labMasks.map((m) => `# ${m.comment}\n${m.atom}\n`).join('\n');
  files['metadata/layout.conf'] = 'masters =\nthin-manifests = true\nsign-manifests = false\ncache-formats =\n';
  files[`${labProfilePath}/eapi`] = '8\n';
  files[`${labProfilePath}/make.defaults`] = [
    '# drover lab profile (not a Gentoo profile): amd64, stable keywords, a few default USE flags.',
    'ARCH="amd64"',
    'ACCEPT_KEYWORDS="amd64"',
    'CHOST="x86_64-pc-linux-gnu"',
    'ELIBC="glibc"',
    'KERNEL="linux"',
    'USERLAND="GNU"',
    'USE="ipv6 ssl"',
    // PYTHON_TARGETS: a USE_EXPAND group shown by emerge (lab-py), as Gentoo's profiles have it.
    'PYTHON_TARGETS="python3_12"',
    'USE_EXPAND="ELIBC KERNEL PYTHON_TARGETS USERLAND"',
    'USE_EXPAND_HIDDEN="ELIBC KERNEL USERLAND"',
    'ACCEPT_LICENSE="*"',
    '',
  ].join('\n');
  files[`${labProfilePath}/packages`] = labSystemSet.map((a) => `*${a}`).join('\n') + '\n';
  for (const file of ['package.use.mask', 'package.use.force'] as const) {
    files[`${labProfilePath}/${file}`] = labUseMasks
      .filter((m) => m.file === file)
      .map((m) => `# ${m.comment}\n${m.atom} ${m.flags}\n`)
      .join('\n');
  }
  return files;
}
