# Gentoo-like lab layer without Portage (runs chrooted over the base layer): real OpenRC as init (PID 1), LVM2 in
# metadata-only mode. Used only when realPortageByDefault (lab/types.ts) is off; its files/ are shared with gentoo-real.
set -eu
apt-get update -qq
# Nothing may start during the build (there is no init here).
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
apt-get install -y -q --no-install-recommends openrc lvm2
rm -f /usr/sbin/policy-rc.d
f=/tmp/recipe/files

# LVM without device-mapper (the kernel here has none): metadata only.
install -m 644 $f/lvmlocal.conf /etc/lvm/lvmlocal.conf

# sshd is the OpenRC service `sshd` (restartable: `rc-service sshd restart`). Debian's /etc/init.d/ssh goes:
# its LSB header "Provides: sshd" would clash with the service of that name.
rm -f /etc/init.d/ssh /etc/runlevels/*/ssh
install -m 755 $f/sshd.initd /etc/init.d/sshd
# Services other scripts depend on; in a lab host there is nothing for them to do.
for s in localmount net netmount; do sed "s/@NAME@/$s/" $f/noop.initd > /etc/init.d/$s; chmod 755 /etc/init.d/$s; done
# Scripts that cannot work in a namespace (no cgroup delegation, no RTC, sysctl of the machine).
rm -f /etc/runlevels/sysinit/cgroups /etc/runlevels/sysinit/hwclock.sh /etc/runlevels/sysinit/procps /etc/runlevels/default/sudo
rm -f /etc/init.d/hwclock.sh /etc/init.d/procps
rc-update add localmount boot >/dev/null
rc-update add net boot >/dev/null
rc-update add netmount default >/dev/null
rc-update add sshd default >/dev/null
# Debian's `service` (and scripts calling `service ssh restart`) go to OpenRC.
install -m 755 $f/service /usr/sbin/service
cat $f/rc.conf.lab >> /etc/rc.conf

apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log /var/log/alternatives.log
