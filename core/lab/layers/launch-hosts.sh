#!/bin/bash
# Starts lab hosts (one bash forks them all: much cheaper than a spawn from node per host); prints one launcher PID per line.
# stdin, one host per line, tab-separated: NETNS MNT LOWERDIR CIDR GATEWAY FQDN MODE CONSOLE_LOG
set -eu
here=$(cd "$(dirname "$0")" && pwd)
while IFS=$'\t' read -r netns mnt lowerdir cidr gw fqdn mode log; do
  # setsid: the host outlives this script and `drover lab up`; the PID printed is nsenter's, which execs unshare.
  setsid nsenter "--net=/run/netns/$netns" unshare --mount --uts --pid --fork --kill-child --propagation private \
    bash "$here/host-init.sh" "$mnt" "$lowerdir" "$cidr" "$gw" "$fqdn" "$mode" </dev/null >>"$log" 2>&1 &
  echo $!
done
