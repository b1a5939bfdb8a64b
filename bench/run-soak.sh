#!/usr/bin/env bash
# Soak: a long CIFAR-10 search on testdata/ (Random strategy, every child a new random 3-layer CNN trained 1 epoch on
# 400 images, duplicates retrained) through the public API, printing the process's resident memory every 25 trained
# children (bench/Experiments "soak"), so a leak shows as growth after warm-up. One libtorch thread (OMP_NUM_THREADS=1).
# Usage: bash bench/run-soak.sh   Environment: TRIALS (300), EVERY (25), NICE (19).
# Output: bench/results/soak/<UTC stamp>/soak.log (with /usr/bin/time -v) and machine.txt (what else ran, from ps).
set -euo pipefail
cd "$(dirname "$0")/.."
TRIALS=${TRIALS:-300} EVERY=${EVERY:-25} NICE=${NICE:-19}
OUT=bench/results/soak/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
nice -n "$NICE" dotnet build bench/Experiments -c Release -m:1 -v q -nologo > /dev/null
{ echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/Experiments || echo ' + uncommitted changes')"
  echo "TRIALS=$TRIALS EVERY=$EVERY OMP_NUM_THREADS=1 nice $NICE"
  grep -m1 'model name' /proc/cpuinfo; nproc; } > "$OUT/machine.txt"
{ echo "started $(date -u +%FT%TZ)"; uptime; ps -eo ni=,pcpu=,rss=,comm= --sort=-pcpu | head -8; } > "$OUT/soak.log"
OMP_NUM_THREADS=1 /usr/bin/time -v nice -n "$NICE" dotnet bench/Experiments/bin/Release/net10.0/Experiments.dll soak \
  --trials "$TRIALS" --every "$EVERY" >> "$OUT/soak.log" 2>&1
{ echo "finished $(date -u +%FT%TZ)"; uptime; ps -eo ni=,pcpu=,rss=,comm= --sort=-pcpu | head -8; } >> "$OUT/soak.log"
echo "log in $OUT"
