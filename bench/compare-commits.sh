#!/bin/bash
# Compares drover engine versions on the bench lab: the same run, interleaved round by round.
#
# Usage: bash bench/compare-commits.sh [-n HOSTS] [-r ROUNDS] [-w ten|forty] COMMIT...   (HEAD = the working tree)
# Needs the bench lab up with that many hosts (`npm run bench -- --hosts N ... --keep-lab`).
# Each COMMIT is checked out as a git worktree under bench/out/worktrees/ sharing this node_modules;
# one untimed run per version fills its type-check and bundle caches, then ROUNDS measured no-change
# runs per version (bench/measure.py: wall, CPU and peak RSS of the whole process tree).
# Prints one markdown row per version: medians.
set -euo pipefail
HOSTS=20 ROUNDS=5 WORKLOAD=ten
while getopts n:r:w: opt; do
  case $opt in
    n) HOSTS=$OPTARG ;;
    r) ROUNDS=$OPTARG ;;
    w) WORKLOAD=$OPTARG ;;
    *) exit 1 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-n HOSTS] [-r ROUNDS] [-w ten|forty] COMMIT..." >&2; exit 1; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
INV=$REPO/bench/out/bench/inventory-$HOSTS.yml
[ -f "$INV" ] || { echo "no $INV: bring the bench lab up with $HOSTS hosts first (npm run bench -- --hosts $HOSTS --keep-lab ...)" >&2; exit 1; }

declare -A DIR BIN
for c in "$@"; do
  if [ "$c" = HEAD ]; then
    DIR[$c]=$REPO
  else
    d=$REPO/bench/out/worktrees/$c
    [ -d "$d" ] || git -C "$REPO" worktree add --detach "$d" "$c" >/dev/null
    ln -sfn "$REPO/node_modules" "$d/node_modules"
    DIR[$c]=$d
  fi
  # Versions that run compiled need their own dist/ (bin.js would build it on the first run anyway).
  # The layout changed (issue 23): older commits have core/compile.js and core/bin.js.
  for comp in core/boot/compile.js core/compile.js; do
    if [ -f "${DIR[$c]}/$comp" ]; then (cd "${DIR[$c]}" && node "$comp" >/dev/null); break; fi
  done
  BIN[$c]=core/cli/bin.js; [ -f "${DIR[$c]}/${BIN[$c]}" ] || BIN[$c]=core/bin.js
  (cd "${DIR[$c]}" && node "${BIN[$c]}" run "bench/workloads/$WORKLOAD.ts" -i "$INV" --forks "$HOSTS" >/dev/null 2>&1) || true
done

OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
for ((r = 1; r <= ROUNDS; r++)); do
  for c in "$@"; do
    m=$(cd "${DIR[$c]}" && python3 "$REPO/bench/measure.py" --log /dev/null -- node "${BIN[$c]}" run "bench/workloads/$WORKLOAD.ts" -i "$INV" --forks "$HOSTS")
    echo "$c $m" >>"$OUT"
  done
done

python3 - "$OUT" "$HOSTS" "$WORKLOAD" "$@" <<'EOF'
import json, statistics, sys
out, hosts, workload, commits = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
rows = {}
for line in open(out):
    c, m = line.split(' ', 1)
    rows.setdefault(c, []).append(json.loads(m))
print(f'{workload}, {hosts} hosts, no-change run, {len(rows[commits[0]])} interleaved rounds (medians)')
print('| version | wall s | CPU s | peak RSS MB (tree) | exit codes |')
print('|---|---:|---:|---:|---|')
for c in commits:
    ms = rows[c]
    med = lambda k: statistics.median(x[k] for x in ms)
    codes = ','.join(sorted({str(x['exitCode']) for x in ms}))
    print(f"| {c} | {med('wallMs') / 1000:.2f} | {med('cpuMs') / 1000:.2f} | {med('peakTreeRssKb') / 1024:.0f} | {codes} |")
EOF
