#!/usr/bin/env bash
# Is the slow first epoch paid once per process or once per new network? (issue 13, "no slow first epoch")
# Runs bench/CnnThroughput's child-sequence mode (children A, B, A, B in one process, one epoch each on N CIFAR-10
# training images, one libtorch thread), alternating the glibc allocator as it is and the library's allocator
# setting (NativeAllocatorTuning.Speed's mallopt), ROUNDS times. Logs: bench/results/child-sequence/<UTC time>/.
# Usage: bash bench/run-child-sequence.sh [data dir, default ../shared/data] [images, 3000] [rounds, 2]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}; IMAGES=${2:-3000}; ROUNDS=${3:-2}
OUT=bench/results/child-sequence/$(date -u +%Y%m%dT%H%M%SZ); mkdir -p "$OUT"
dotnet build -c Release bench/CnnThroughput -m:1 >"$OUT/build.log" 2>&1
export OMP_NUM_THREADS=1
{ lscpu | grep -E "Model name|^CPU\(s\)|Flags" | cut -c1-200; git rev-parse HEAD; } >"$OUT/machine.txt"
for round in $(seq 1 "$ROUNDS"); do
  for mode in default tuned; do
    log="$OUT/$mode-$round.log"
    { echo "# $(date -u +%FT%TZ) round $round mode $mode"; uptime; ps -eo pcpu,comm --sort=-pcpu | head -8; } >"$log"
    /usr/bin/time -v dotnet bench/CnnThroughput/bin/Release/net10.0/CnnThroughput.dll "$DATA/cifar10" "$IMAGES" 1 128 \
      child-sequence $([ "$mode" = tuned ] && echo tuned) >>"$log" 2>&1
    { echo "# after"; uptime; } >>"$log"
  done
done
grep -H RESULT "$OUT"/*.log | sed "s|$OUT/||" >"$OUT/summary.txt"
cat "$OUT/summary.txt"
