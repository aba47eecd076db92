#!/bin/sh
# drover Portage STAND-IN installer (not Portage): run inside a lab chroot with this directory at /tmp/portage-standin.
set -eu
SRC=${1:-/tmp/portage-standin}
DEST=${ROOT:-/}
share="$DEST/usr/share/portage-standin"
mkdir -p "$share" "$DEST/usr/bin"
install -m 0755 "$SRC/standin.py" "$share/standin.py"
install -m 0644 "$SRC/packages.json" "$share/packages.json"
ln -sf /usr/share/portage-standin/standin.py "$DEST/usr/bin/emerge"
ln -sf /usr/share/portage-standin/standin.py "$DEST/usr/bin/portageq"

# /etc/portage mixed on purpose: package.use is a DIRECTORY, package.accept_keywords a FILE.
mkdir -p "$DEST/etc/portage/package.use"
cat > "$DEST/etc/portage/make.conf" <<'CONF'
# drover Portage stand-in: make.conf (this is not a real Gentoo system)
COMMON_FLAGS="-O2 -pipe"
CFLAGS="${COMMON_FLAGS}"
USE="ipv6 ssl"
ACCEPT_KEYWORDS="amd64"
CONF
[ -e "$DEST/etc/portage/package.accept_keywords" ] || \
  printf '# drover Portage stand-in: package.accept_keywords (a file on purpose)\n' > "$DEST/etc/portage/package.accept_keywords"
[ -e "$DEST/etc/portage/package.use/00base" ] || \
  printf '# drover Portage stand-in: package.use is a directory on purpose\nsys-apps/openrc ncurses\n' > "$DEST/etc/portage/package.use/00base"

# Base packages in the vdb and an empty-ish world file.
ROOT="$DEST" python3 - "$share/packages.json" <<'PY'
import json, sys, importlib.util
spec = importlib.util.spec_from_file_location('standin', sys.argv[1].replace('packages.json', 'standin.py'))
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
db = json.load(open(sys.argv[1]))
by = {p['cpv']: p for p in db['packages']}
for p in db['preinstalled']:
    m.write_vdb(by[p['cpv']], p['use'].split())
PY
mkdir -p "$DEST/var/lib/portage"
[ -e "$DEST/var/lib/portage/world" ] || : > "$DEST/var/lib/portage/world"
echo "portage stand-in installed into $DEST"
