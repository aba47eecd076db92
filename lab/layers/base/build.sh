#!/bin/bash
# Base lab layer: a minimal Debian bookworm with OpenSSH server, python3 (Ansible's and Portage's interpreter) and
# openssl (real servers have it: Gentoo's stage3, Debian with ca-certificates; drover hashes big files with it). Arg: target dir.
set -euo pipefail
root=$1
mirror=${DROVER_LAB_MIRROR:-http://deb.debian.org/debian}
debootstrap --variant=minbase --include=openssh-server,iproute2,procps,python3,sudo,openssl bookworm "$root" "$mirror"
# Per-node host keys are laid over these at host start; a layer carries none.
rm -f "$root"/etc/ssh/ssh_host_*
cp "$(dirname "$0")/sshd-lab.conf" "$root/etc/ssh/sshd_config.d/lab.conf"
mkdir -p "$root/run/sshd"
rm -f "$root/etc/machine-id" "$root/var/lib/dbus/machine-id"
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log
