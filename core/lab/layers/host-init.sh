#!/bin/bash
# First process of a lab host (PID 1 in its own mount/UTS/PID namespaces, inside its netns): builds its root, then execs its init.
# Usage: host-init.sh MNT LOWERDIR CIDR GATEWAY FQDN MODE
#   MNT: an empty dir to mount the host's tmpfs on; LOWERDIR: overlay lower dirs, top first (node files, layers...);
#   MODE: sshd (sshd -D is the init) or openrc (openrc-init is the init, sshd an OpenRC service),
#   or netifrc (as openrc, and eth0 is left unconfigured for netifrc's net.eth0).
set -eu
mnt=$1 lowerdir=$2 cidr=$3 gw=$4 fqdn=$5 mode=$6
mount -t tmpfs -o mode=755 lab "$mnt"
mkdir "$mnt/upper" "$mnt/work" "$mnt/root"
r=$mnt/root
mount -t overlay overlay -o "lowerdir=$lowerdir,upperdir=$mnt/upper,workdir=$mnt/work" "$r"
mount -t proc proc "$r/proc"
mount -t sysfs -o ro sysfs "$r/sys"
# A small private /dev: no machine disks visible; `lab disk` adds block nodes here later.
mount -t tmpfs -o mode=755,size=1m dev "$r/dev"
mknod -m 666 "$r/dev/null" c 1 3; mknod -m 666 "$r/dev/zero" c 1 5; mknod -m 666 "$r/dev/full" c 1 7
mknod -m 666 "$r/dev/random" c 1 8; mknod -m 666 "$r/dev/urandom" c 1 9; mknod -m 666 "$r/dev/tty" c 5 0
mkdir "$r/dev/pts" "$r/dev/shm" "$r/dev/mapper"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$r/dev/pts"
ln -s pts/ptmx "$r/dev/ptmx"
ln -s /proc/self/fd "$r/dev/fd"
ln -s /proc/self/fd/0 "$r/dev/stdin"; ln -s /proc/self/fd/1 "$r/dev/stdout"; ln -s /proc/self/fd/2 "$r/dev/stderr"
mount -t tmpfs -o mode=1777 shm "$r/dev/shm"
mount -t tmpfs -o mode=755 run "$r/run"
mkdir -p "$r/run/sshd" "$r/run/lock"
mount -t tmpfs -o mode=1777 tmp "$r/tmp"
hostname "$fqdn"
ip link set lo up
# MODE netifrc: net.eth0 (netifrc, from /etc/conf.d/net) configures eth0 at boot, as on a Gentoo node.
if [ "$mode" != netifrc ]; then
  ip addr add "$cidr" dev eth0
  ip link set eth0 up
  ip route add default via "$gw"
fi
# pivot_root, so the host's mount table shows only its own mounts (no machine paths).
mkdir -p "$r/.oldroot"
cd "$r"
pivot_root . .oldroot
cd /
umount -l /.oldroot
rmdir /.oldroot
case "$mode" in
  sshd) exec /usr/sbin/sshd -D -e ;;
  openrc|netifrc) exec /sbin/openrc-init ;;
  *) echo "host-init: unknown mode $mode" >&2; exit 2 ;;
esac
