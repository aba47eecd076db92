#!/bin/bash
# First process of a lab host (PID 1 in its own mount/UTS/PID namespaces, inside its netns): builds its root, then execs its init.
# Usage: host-init.sh NODE LOWERDIR CIDR GATEWAY FQDN MODE
#   NODE: the host's dir on the machine (its overlay upper/work dirs, root mount point, boot_id);
#   LOWERDIR: overlay lower dirs, top first (node files, layers...);
#   MODE: sshd (sshd -D is the init) or openrc (openrc-init is the init, sshd an OpenRC service),
#   or netifrc (as openrc, and eth0 is left unconfigured for netifrc's net.eth0),
#   or systemd (systemd is the init; launched in a cgroup namespace of its own by cgroup-enter.sh).
set -eu
node=$1 lowerdir=$2 cidr=$3 gw=$4 fqdn=$5 mode=$6
# The writable layer lives in the node dir on the machine, not in a tmpfs of the host's own: a reboot
# (host-supervisor.sh boots the host again) keeps the host's changes, and `lab down` deletes them with the dir.
mkdir -p "$node/upper" "$node/work" "$node/root"
r=$node/root
mount -t overlay overlay -o "lowerdir=$lowerdir,upperdir=$node/upper,workdir=$node/work" "$r"
mount -t proc proc "$r/proc"
rebooted=; [ -e "$node/boot_id" ] && rebooted=1
# OpenRC hosts can reboot: a boot id of the host's own, new at each boot (the kernel's is the machine's,
# shared by every host and unchanged by a host's reboot). sshd hosts cannot reboot: they keep the kernel's.
if [ "$mode" != sshd ]; then
  read -r bootid </proc/sys/kernel/random/uuid # a builtin: no fork
  echo "$bootid" >"$node/boot_id"
  mount --bind -o ro "$node/boot_id" "$r/proc/sys/kernel/random/boot_id"
fi
mount -t sysfs -o ro sysfs "$r/sys"
if [ "$mode" = systemd ]; then
  # The host's own cgroup2 tree (this process's cgroup namespace is rooted at its directory): systemd manages it.
  mount -t cgroup2 cgroup2 "$r/sys/fs/cgroup"
  # A machine id of its own at first boot (the layer has none), kept in the overlay across reboots.
  [ -s "$r/etc/machine-id" ] || tr -d - </proc/sys/kernel/random/uuid >"$r/etc/machine-id"
fi
# A reboot: the netns outlived the last boot (eth0 with its address, links the host made), where a real node's
# NICs come up blank. Reset what the host made (this sysfs, mounted in the host's netns, lists its links) and
# keep the lab's own: eth0, and a bastion's inner bridge and the veths moved onto it (topology.ts: bri0, dv-*).
# A first boot has nothing to reset.
if [ -n "$rebooted" ]; then
  for l in "$r"/sys/class/net/*; do
    case ${l##*/} in lo|eth0|bri0|dv-*) ;; *) ip link del "${l##*/}" 2>/dev/null || true ;; esac
  done
  ip link set eth0 down
  ip addr flush dev eth0
  ip route flush dev eth0
fi
# A small private /dev: no machine disks visible; `lab disk` adds block nodes here later.
mount -t tmpfs -o mode=755,size=1m dev "$r/dev"
mknod -m 666 "$r/dev/null" c 1 3; mknod -m 666 "$r/dev/zero" c 1 5; mknod -m 666 "$r/dev/full" c 1 7
mknod -m 666 "$r/dev/random" c 1 8; mknod -m 666 "$r/dev/urandom" c 1 9; mknod -m 666 "$r/dev/tty" c 5 0
mkdir "$r/dev/pts" "$r/dev/shm" "$r/dev/mapper"
# Disks `lab disk` gave the host (disk.ts writes NODE/devices: PATH TYPE MAJOR MINOR a line) are back after a reboot.
if [ -e "$node/devices" ]; then
  while read -r dev type major minor; do mknod -m 660 "$r$dev" "$type" "$major" "$minor"; done <"$node/devices"
fi
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
  # container=: systemd's own test for "in a container" (it skips what only a machine's init does).
  systemd) exec env -i container=drover-lab PATH=/usr/sbin:/usr/bin:/sbin:/bin /lib/systemd/systemd ;;
  *) echo "host-init: unknown mode $mode" >&2; exit 2 ;;
esac
