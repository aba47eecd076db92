#!/bin/bash
# Starts lab hosts (one bash forks them all: much cheaper than a spawn from node per host); prints one launcher PID per line.
# stdin, one host per line, tab-separated: NETNS NODE_DIR LOWERDIR CIDR GATEWAY FQDN MODE CONSOLE_LOG
set -eu
here=$(cd "$(dirname "$0")" && pwd)
while IFS=$'\t' read -r netns node lowerdir cidr gw fqdn mode log; do
  boot=(unshare --mount --uts --pid --fork --kill-child --propagation private
    bash "$here/host-init.sh" "$node" "$lowerdir" "$cidr" "$gw" "$fqdn" "$mode")
  # systemd needs a cgroup tree of its own: a cgroup2 directory for the host (the supervisor enters it, so
  # every boot starts there; before it, not per boot: a helper process between supervisor and init would
  # pass for the init), and a cgroup namespace rooted there.
  # The directory is named after the host's netns (unique per lab and host); `lab down` removes it (lab/cgroup.ts).
  cg=()
  if [ "$mode" = systemd ]; then
    cg2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
    [ -n "$cg2" ] || { echo "launch-hosts: systemd hosts need a cgroup2 hierarchy; none is mounted on this machine" >&2; exit 1; }
    mkdir -p "$cg2/drover-lab/$netns"
    boot=("${boot[0]}" --cgroup "${boot[@]:1}")
    cg=(sh "$here/cgroup-enter.sh" "$cg2/drover-lab/$netns")
  fi
  # setsid: the host outlives this script and `drover lab up`; the PID printed is nsenter's, which execs
  # unshare (sshd hosts: nothing in them can reboot) or the supervisor that boots an OpenRC host again after a reboot.
  if [ "$mode" = sshd ]; then
    setsid nsenter "--net=/run/netns/$netns" "${boot[@]}" </dev/null >>"$log" 2>&1 &
  else
    setsid nsenter "--net=/run/netns/$netns" "${cg[@]}" sh "$here/host-supervisor.sh" "${boot[@]}" </dev/null >>"$log" 2>&1 &
  fi
  echo $!
done
