#!/bin/sh
# Moves itself into a lab host's own cgroup2 directory (made by launch-hosts.sh), then execs COMMAND: the host's
# supervisor, whose `unshare --cgroup` boots make the host's systemd see that directory as its cgroup root.
# Usage: cgroup-enter.sh DIR COMMAND...   Builtins only before the exec: a child process here would pass for the
# host's init while `lab up` looks for it (lab/hosts.ts currentInit).
set -eu
dir=$1
shift
echo $$ >"$dir/cgroup.procs"
exec "$@"
