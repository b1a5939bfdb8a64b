#!/usr/bin/env bash
# A smoke run of ENAS's macro space (bench/space-enas-macro.json: 12 layers, convolution, separable convolution, 3x3 max
# and average pooling, 3x3/5x5 kernels, skips from every earlier layer, reductions after layers 3 and 7) with weight
# sharing on README's main job data (testdata/: 900 training images after the validation split, 200 test images).
# It shows that the space builds, shares, searches and retrains; the data are far too small for its accuracy to mean
# anything. Usage: bash bench/run-enas-macro-smoke.sh   Environment: SHARED_EPOCHS (2), TRIALS (10, children scored per
# shared epoch), FINAL_EPOCHS (1), STRATEGY (reinforce), SEED (1), NICE (19); OMP_NUM_THREADS is 1 unless set.
# Output: bench/results/enas-macro-smoke/<UTC stamp>/run.log (with /usr/bin/time -v) and machine.txt (what else ran).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED_EPOCHS=${SHARED_EPOCHS:-2} TRIALS=${TRIALS:-10} FINAL_EPOCHS=${FINAL_EPOCHS:-1} STRATEGY=${STRATEGY:-reinforce} SEED=${SEED:-1} NICE=${NICE:-19}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
OUT=bench/results/enas-macro-smoke/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
nice -n "$NICE" dotnet build src/Examples -c Release -m:1 -v q -nologo > /dev/null
{ echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/space-enas-macro.json || echo ' + uncommitted changes')"
  echo "SHARED_EPOCHS=$SHARED_EPOCHS TRIALS=$TRIALS FINAL_EPOCHS=$FINAL_EPOCHS STRATEGY=$STRATEGY SEED=$SEED nice $NICE OMP_NUM_THREADS=$OMP_NUM_THREADS"
  grep -m1 "model name" /proc/cpuinfo; nproc --all; echo "started $(date -u +%FT%TZ)"; uptime; ps -eo ni=,pcpu=,rss=,comm= --sort=-pcpu | head -8; } > "$OUT/machine.txt"
/usr/bin/time -v nice -n "$NICE" dotnet src/Examples/bin/Release/net10.0/Examples.dll cifar10 --weight-sharing \
  --space bench/space-enas-macro.json --strategy "$STRATEGY" --shared-epochs "$SHARED_EPOCHS" --trials "$TRIALS" \
  --final-epochs "$FINAL_EPOCHS" --seed "$SEED" --out "$OUT/out" > "$OUT/run.log" 2>&1
{ echo "finished $(date -u +%FT%TZ)"; uptime; } >> "$OUT/machine.txt"
echo "logs in $OUT"
