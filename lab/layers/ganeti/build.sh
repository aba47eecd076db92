# Ganeti lab layer (runs chrooted over the gentoo layer): Debian's Ganeti 3.0.2 and the no-op OS provider, under OpenRC.
set -eu
apt-get update -qq
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
apt-get install -y -q --no-install-recommends ganeti ganeti-os-noop
rm -f /usr/sbin/policy-rc.d
# A fake start-stop-daemon left by a diverted install would make `gnt-cluster init` fail with
# "Node daemon ... didn't answer queries": make sure the real one is in place.
if [ -e /sbin/start-stop-daemon.REAL ]; then mv -f /sbin/start-stop-daemon.REAL /sbin/start-stop-daemon; fi
if [ -e /usr/sbin/start-stop-daemon.REAL ]; then mv -f /usr/sbin/start-stop-daemon.REAL /usr/sbin/start-stop-daemon; fi
# Installed, not enabled (as on Gentoo): a playbook's `rc-update add ganeti default` is a real change.
# `rc-service ganeti start` runs Debian's LSB script (daemon-util start-all) under OpenRC.
rm -f /etc/runlevels/*/ganeti
# daemon-util reload-ssh-keys runs `/usr/sbin/service ssh restart`: the gentoo layer's shim turns it into
# `rc-service sshd restart`, so sshd restarts without the host (whose PID 1 is openrc-init) going down.
grep -q 'service ssh restart' /usr/lib/ganeti/3.0/usr/lib/ganeti/daemon-util
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log /var/log/alternatives.log
