#!/usr/bin/env bash
# Issue 12/13: how fast the weight-sharing CNN trains in each memory layout. The shared-cnn-probe experiment trains the
# shared network of ENAS's macro space (bench/space-enas-macro.json) for one epoch on the first TRAIN CIFAR-10 training
# images with a uniformly random child per mini-batch (as the first epochs of a weight-sharing search do), NCHW
# (channelsLast false) and channels-last (the default) alternated ROUNDS times in one run, one libtorch thread; then the
# plain 3x3 stack trained alone for comparison. Prints each epoch's seconds and shared loss.
# Usage: bash bench/run-shared-layout.sh   Environment: TRAIN (10000), VALID (500), ROUNDS (2), NICE (0), DATA (../shared/data/cifar10)
# Output: bench/results/shared-layout/<UTC stamp>.log (with what else ran at start and end).
set -euo pipefail
cd "$(dirname "$0")/.."
TRAIN=${TRAIN:-10000} VALID=${VALID:-500} ROUNDS=${ROUNDS:-2} NICE=${NICE:-0} DATA=${DATA:-../shared/data/cifar10}
OUT=bench/results/shared-layout/$(date -u +%Y%m%dT%H%M%SZ).log
mkdir -p "$(dirname "$OUT")" "$OUT.d"
nice -n "$NICE" dotnet build bench/Experiments -c Release -v q -nologo > /dev/null
echo '{"channelsLast": false}' > "$OUT.d/nchw.json"; echo '{"channelsLast": true}' > "$OUT.d/channels-last.json"
{ echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/Experiments || echo ' + uncommitted changes')"
  grep -m1 'model name' /proc/cpuinfo; echo "started $(date -u +%FT%TZ) train $TRAIN valid $VALID rounds $ROUNDS nice $NICE threads 1"
  uptime; ps -eo ni=,pcpu=,comm= --sort=-pcpu | head -6; } > "$OUT"
export OMP_NUM_THREADS=1 DOTNET_PROCESSOR_COUNT=1
probe() { nice -n "$NICE" dotnet bench/Experiments/bin/Release/net10.0/Experiments.dll shared-cnn-probe --data-dir "$DATA" \
  --space bench/space-enas-macro.json --train-size "$TRAIN" --valid-size "$VALID" --epochs 1 --probe-children 2 "$@"; }
for ((r = 1; r <= ROUNDS; r++)); do
  for layout in nchw channels-last; do
    echo "round $r layout $layout: $(probe --mode random --training "$OUT.d/$layout.json" 2>&1 | grep -E '^epoch')" >> "$OUT"
  done
done
start=$(date +%s.%N)
alone=$(probe --mode alone 2>&1 | grep -E '^epoch' | tr '\n' ' ')
echo "alone (plain 3x3 stack, channels-last): ${alone}process wall $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }") s (data loading included)" >> "$OUT"
rm -rf "$OUT.d"
{ echo "finished $(date -u +%FT%TZ)"; uptime; ps -eo ni=,pcpu=,comm= --sort=-pcpu | head -6; } >> "$OUT"
cat "$OUT"
