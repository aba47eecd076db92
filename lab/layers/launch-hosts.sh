#!/bin/bash
# Starts lab hosts (one bash forks them all: much cheaper than a spawn from node per host); prints one launcher PID per line.
# stdin, one host per line, tab-separated: NETNS NODE_DIR LOWERDIR CIDR GATEWAY FQDN MODE CONSOLE_LOG
set -eu
here=$(cd "$(dirname "$0")" && pwd)
while IFS=$'\t' read -r netns node lowerdir cidr gw fqdn mode log; do
  boot=(unshare --mount --uts --pid --fork --kill-child --propagation private
    bash "$here/host-init.sh" "$node" "$lowerdir" "$cidr" "$gw" "$fqdn" "$mode")
  # setsid: the host outlives this script and `drover lab up`; the PID printed is nsenter's, which execs
  # unshare (sshd hosts: nothing in them can reboot) or the supervisor that boots an OpenRC host again after a reboot.
  if [ "$mode" = sshd ]; then
    setsid nsenter "--net=/run/netns/$netns" "${boot[@]}" </dev/null >>"$log" 2>&1 &
  else
    setsid nsenter "--net=/run/netns/$netns" sh "$here/host-supervisor.sh" "${boot[@]}" </dev/null >>"$log" 2>&1 &
  fi
  echo $!
done
