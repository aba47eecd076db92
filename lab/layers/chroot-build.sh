#!/bin/bash
# Runs a layer recipe chrooted in an overlay (lower layers + the new layer as upper dir); called by build-layer.sh inside its own mount namespace.
# Usage: chroot-build.sh RECIPE_DIR TMP LOWERDIR [BIND_SRC BIND_DST ...]
set -euo pipefail
recipe=$1 tmp=$2 lowerdir=$3
shift 3
m=$tmp/merged
mount -t overlay overlay -o "lowerdir=$lowerdir,upperdir=$tmp/root,workdir=$tmp/work" "$m"
mount -t proc proc "$m/proc"
mount -t tmpfs -o mode=755 tmpfs "$m/dev"
mknod -m 666 "$m/dev/null" c 1 3; mknod -m 666 "$m/dev/zero" c 1 5; mknod -m 666 "$m/dev/full" c 1 7
mknod -m 666 "$m/dev/random" c 1 8; mknod -m 666 "$m/dev/urandom" c 1 9; mknod -m 666 "$m/dev/tty" c 5 0
mkdir "$m/dev/pts"; mount -t devpts -o newinstance,ptmxmode=0666 devpts "$m/dev/pts"; ln -s pts/ptmx "$m/dev/ptmx"
# /tmp and /run are tmpfs so nothing written there ends up in the layer.
mount -t tmpfs tmpfs "$m/tmp"
mount -t tmpfs tmpfs "$m/run"
mkdir -p "$m/tmp/recipe"
mount --bind -o ro "$recipe" "$m/tmp/recipe"
while [ $# -ge 2 ]; do
  mkdir -p "$m$2"; mount --bind -o ro "$1" "$m$2"; shift 2
done
cp /etc/resolv.conf "$m/tmp/resolv.conf"
mount --bind "$m/tmp/resolv.conf" "$m/etc/resolv.conf"
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
  chroot "$m" /bin/sh -e /tmp/recipe/build.sh
