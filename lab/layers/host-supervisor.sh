#!/bin/sh
# Keeps one OpenRC lab host alive across reboots: runs its boot command and runs it again when the host rebooted itself.
# Usage: host-supervisor.sh BOOT-COMMAND...   (launch-hosts.sh: unshare ... host-init.sh ..., inside the host's netns)
# reboot(2) in a PID namespace ends that namespace's init with SIGHUP for a restart and with SIGINT for
# halt/poweroff (pid_namespaces(7)); unshare --fork then dies of the same signal. So 129 (128+SIGHUP) means
# "boot again": same netns and address, same node dir (its overlay upper dir keeps the host's changes),
# a fresh PID/mount/UTS namespace. Anything else (halt, poweroff, `lab down`'s SIGKILL) leaves the host down.
# `lab down` kills this process first (it is the recorded launcher), so a host it kills is never booted again.
while :; do
  "$@"
  rc=$?
  [ "$rc" -eq 129 ] || exit "$rc"
  echo "drover lab: the host rebooted; booting it again"
done
