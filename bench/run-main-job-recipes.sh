#!/usr/bin/env bash
# The main job's search and final training (Examples cifar10: 8 children on 1,000 training images, the best retrained
# 10 epochs) with the library's default training options and with other CnnTrainingOptions files, scored on more test
# images than testdata holds so that recipes can be told apart (10,000 test images: one standard error is about 0.5%).
# Usage: bash bench/run-main-job-recipes.sh NAME=FILE ...   (NAME=default runs without --training)
# Environment: DATA (../shared/data/cifar10), TRAIN (1000), TEST (10000), SEED (1); OMP_NUM_THREADS is passed through.
# Output: bench/results/main-job-recipes/<UTC stamp>/NAME.log, NAME.time (/usr/bin/time -v), summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/cifar10} TRAIN=${TRAIN:-1000} TEST=${TEST:-10000} SEED=${SEED:-1}
OUT=bench/results/main-job-recipes/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
dotnet build src/Examples -c Release -v q -nologo > /dev/null
bin=$(mktemp -d); cp -r src/Examples/bin/Release/net10.0/. "$bin"; trap 'rm -rf "$bin"' EXIT
{ echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' + uncommitted changes')"
  echo "TRAIN=$TRAIN TEST=$TEST SEED=$SEED OMP_NUM_THREADS=${OMP_NUM_THREADS:-unset}"; grep -m1 'model name' /proc/cpuinfo; } > "$OUT/machine.txt"
names=()
for pair in "$@"; do
  name=${pair%%=*} file=${pair#*=}; names+=("$name")
  training=(); [ "$name" = default ] || { training=(--training "$file"); cp "$file" "$OUT/$name.json"; }
  { echo "$name started $(date -u +%FT%TZ)"; uptime; } > "$OUT/$name.log"
  /usr/bin/time -v -o "$OUT/$name.time" dotnet "$bin/Examples.dll" cifar10 --data-dir "$DATA" --train-size "$TRAIN" \
    --test-size "$TEST" --seed "$SEED" --out "$(mktemp -d)" "${training[@]}" >> "$OUT/$name.log" 2>&1
  { echo "finished $(date -u +%FT%TZ)"; uptime; } >> "$OUT/$name.log"
done
{ printf '%-16s %14s %10s %12s\n' recipe test_accuracy wall peak_rss_mib
  for name in "${names[@]}"; do
    acc=$(sed -n 's/.*test accuracy \([0-9.]*\).*/\1/p' "$OUT/$name.log" | tail -1)
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/$name.time")
    rss=$(awk '/Maximum resident/ {printf "%d", $6/1024}' "$OUT/$name.time")
    printf '%-16s %14s %10s %12s\n' "$name" "$acc" "$wall" "$rss"
  done; } > "$OUT/summary.txt"
cat "$OUT/summary.txt"
