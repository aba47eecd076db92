// Test fixture: a local apt repository built ON a lab host by its own dpkg-deb (small .deb packages), served as file:, no network.
import { sh, ShellCommand } from '../../core/sh.ts';

/** One package to build: it installs /usr/share/doc/NAME/drover-test holding its version. */
export interface DebSpec {
  name: string;
  version: string;
  /** The Depends field: 'drover-lib (>= 1.0)'. */
  depends?: string;
}

/** Where the repository lives on the host, and its sources.list line (trusted: the repository is unsigned). */
export const REPO_DIR = '/srv/drover-apt';
export const SOURCES_LINE = `deb [trusted=yes] file:${REPO_DIR} ./\n`;

function control(p: DebSpec): string {
  return [
    `Package: ${p.name}`,
    `Version: ${p.version}`,
    'Architecture: all',
    'Maintainer: drover tests <root@localhost>',
    ...(p.depends ? [`Depends: ${p.depends}`] : []),
    `Description: drover lab test package ${p.name}`,
    '',
  ].join('\n');
}

/**
 * A command that builds the packages with dpkg-deb into REPO_DIR (kept: packages built earlier stay, so a
 * second call adds a newer version) and indexes the repository as apt-ftparchive would: Packages (the
 * control fields, Filename, Size, SHA256) and a Release listing it.
 */
export function buildAptRepo(pkgs: readonly DebSpec[]): ShellCommand {
  const builds = pkgs.map((p) => {
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(p.name) || !/^[0-9][A-Za-z0-9.+~-]*$/.test(p.version))
      throw new Error(`apt-repo: bad package ${p.name} ${p.version}`);
    return sh`d=$(mktemp -d) && mkdir -p "$d/DEBIAN" "$d/usr/share/doc/${p.name}" && printf '%s' ${control(p)} >"$d/DEBIAN/control" && printf '%s\n' ${p.version} >"$d/usr/share/doc/${p.name}/drover-test" && dpkg-deb --root-owner-group --build "$d" ${`${REPO_DIR}/${p.name}_${p.version}_all.deb`} >/dev/null && rm -rf "$d"`;
  });
  return ShellCommand.join(
    [
      sh`mkdir -p ${REPO_DIR}`,
      ...builds,
      sh`cd ${REPO_DIR} && : >Packages && for f in *.deb; do dpkg-deb -f "$f" >>Packages && printf 'Filename: ./%s\nSize: %s\nSHA256: %s\n\n' "$f" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)" >>Packages; done`,
      sh`cd ${REPO_DIR} && printf 'Origin: drover-lab\nLabel: drover-lab\nDate: %s\nSHA256:\n %s %s Packages\n' "$(LC_ALL=C date -Ru)" "$(sha256sum Packages | cut -d' ' -f1)" "$(stat -c %s Packages)" >Release`,
    ],
    ' && ',
  );
}
