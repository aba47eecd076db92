# Debian lab layer (runs chrooted over the base layer): systemd as init (PID 1 in the host's namespaces, with a
# private cgroup2 tree: host-init.sh mode systemd) and cron, as on a Debian 12 server. Units that would act on
# the machine rather than the host, or reach the network, are masked.
set -eu
apt-get update -qq
# Nothing may start during the build (there is no init here).
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
apt-get install -y -q --no-install-recommends systemd systemd-sysv cron
rm -f /usr/sbin/policy-rc.d
# /proc/sys is writable in a lab host but only net.* is the host's own: systemd-sysctl and binfmt would set the
# machine's kernel.*/vm.*/fs.* for every process on it. No modules, no hardware clock, no udev, no consoles here.
# apt's and fstrim's timers would run apt-get (no network, and racing the tests' own) and fstrim on the machine's disks.
for u in systemd-sysctl.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount \
  systemd-modules-load.service kmod-static-nodes.service systemd-udevd.service systemd-udev-trigger.service \
  systemd-hwdb-update.service systemd-remount-fs.service systemd-firstboot.service getty.target console-getty.service \
  sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount sys-fs-fuse-connections.mount dev-hugepages.mount \
  apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer; do
  ln -sf /dev/null "/etc/systemd/system/$u"
done
# Quick, quiet boots: the journal in memory only, and a short stop timeout (lab down kills anyway).
mkdir -p /etc/systemd/journald.conf.d /etc/systemd/system.conf.d
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=8M\n' > /etc/systemd/journald.conf.d/lab.conf
printf '[Manager]\nDefaultTimeoutStopSec=5s\nShowStatus=no\n' > /etc/systemd/system.conf.d/lab.conf
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log /var/log/alternatives.log
