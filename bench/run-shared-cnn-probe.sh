#!/usr/bin/env bash
# Does the weight-sharing CNN learn at the main job's size? Runs the shared-cnn-probe command of bench/Experiments
# (testdata: 900 training, 100 validation images) in the given modes side by side, one libtorch thread each.
# Usage: bash bench/run-shared-cnn-probe.sh LABEL -- <probe options>...   e.g.
#   bash bench/run-shared-cnn-probe.sh default-space -- --epochs 6       (modes fixed, random, alone)
#   MODES=random bash bench/run-shared-cnn-probe.sh small-clip1 -- --space bench/space-ws-small.json --epochs 8 --clip 1
# Output: bench/results/shared-cnn-probe/<UTC stamp>-<label>-<mode>.log (what else ran at start and end).
set -euo pipefail
cd "$(dirname "$0")/.."
LABEL=$1; shift; [ "${1:-}" = "--" ] && shift
MODES=${MODES:-fixed random alone} NICE=${NICE:-5}
STAMP=$(date -u +%Y%m%dT%H%M%SZ); DIR=bench/results/shared-cnn-probe; mkdir -p "$DIR"
nice -n "$NICE" dotnet build bench/Experiments -c Release -v q -nologo > /dev/null
for mode in $MODES; do
  log="$DIR/$STAMP-$LABEL-$mode.log"
  { echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/Experiments || echo ' + uncommitted changes')"
    echo "started $(date -u +%FT%TZ)"; uptime; ps -eo ni=,pcpu=,comm= --sort=-pcpu | head -8; } > "$log"
  ( OMP_NUM_THREADS=1 nice -n "$NICE" dotnet bench/Experiments/bin/Release/net10.0/Experiments.dll shared-cnn-probe --mode "$mode" "$@" >> "$log" 2>&1
    { echo "finished $(date -u +%FT%TZ)"; uptime; } >> "$log" ) &
done
wait
echo "logs: $DIR/$STAMP-$LABEL-*.log"
