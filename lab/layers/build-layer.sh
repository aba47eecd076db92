#!/bin/bash
# Builds one cached lab layer (run under flock by lab/layers.ts): builds in a temp dir, then renames it into place.
# Usage: build-layer.sh RECIPE_DIR OUT_DIR [LOWER_ROOT...] [-- BIND_SRC BIND_DST ...]
#   no lower roots: the recipe's build.sh makes a root from nothing (debootstrap) in OUT.tmp/root;
#   with lower roots (top first): the recipe's build.sh runs chrooted in an overlay over them and
#   the overlay's upper dir becomes the layer.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
recipe=$1 out=$2
shift 2
lowers=() binds=()
while [ $# -gt 0 ]; do
  if [ "$1" = -- ]; then shift; binds=("$@"); break; fi
  lowers+=("$1"); shift
done
# Someone else built it while we waited for the lock.
if [ -d "$out" ]; then exit 0; fi
# Leftovers of killed builds of this same layer: safe to delete, we hold its lock.
rm -rf "$out".tmp.*
tmp="$out.tmp.$$"
mkdir -p "$tmp/root"
if [ ${#lowers[@]} -eq 0 ]; then
  bash "$recipe/build.sh" "$tmp/root"
else
  mkdir -p "$tmp/work" "$tmp/merged"
  lowerdir=$(IFS=:; echo "${lowers[*]}")
  # A private mount namespace: every mount of the build vanishes with it, even if the build is killed.
  unshare --mount --pid --fork --kill-child --propagation private \
    bash "$here/chroot-build.sh" "$recipe" "$tmp" "$lowerdir" "${binds[@]}"
  rm -rf "$tmp/work" "$tmp/merged"
fi
date -u +%FT%TZ > "$tmp/built"
mv -T "$tmp" "$out"
