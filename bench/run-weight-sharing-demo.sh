#!/usr/bin/env bash
# A short demonstration of weight sharing (ENAS) on README's main job: the cifar10 example on testdata/ (900 training
# images after the validation split, 200 test images) with --weight-sharing, once with Reinforce (ENAS) and once with
# Random (random search with weight sharing), same seed and budgets. Not a benchmark of the method: the data are far
# too small for the ranking to mean much; it shows the run's shape, its speed on this machine and its output.
# Usage: bash bench/run-weight-sharing-demo.sh   Environment: SHARED_EPOCHS (3), TRIALS (20, children scored per
# shared epoch), FINAL_EPOCHS (3), SEED (1), NICE (19).
# Output: bench/results/weight-sharing-demo/<UTC stamp>/<strategy>.log and machine.txt (what else ran, from ps).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED_EPOCHS=${SHARED_EPOCHS:-3} TRIALS=${TRIALS:-20} FINAL_EPOCHS=${FINAL_EPOCHS:-3} SEED=${SEED:-1} NICE=${NICE:-19}
OUT=bench/results/weight-sharing-demo/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
nice -n "$NICE" dotnet build src/Examples -c Release -v q -nologo > /dev/null
{ echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' + uncommitted changes')"
  echo "SHARED_EPOCHS=$SHARED_EPOCHS TRIALS=$TRIALS FINAL_EPOCHS=$FINAL_EPOCHS SEED=$SEED nice $NICE"
  grep -m1 'model name' /proc/cpuinfo; nproc; } > "$OUT/machine.txt"
for strategy in reinforce random; do
  { echo "strategy $strategy started $(date -u +%FT%TZ)"; uptime; ps -eo ni=,pcpu=,comm= --sort=-pcpu | head -6; } > "$OUT/$strategy.log"
  /usr/bin/time -v nice -n "$NICE" dotnet src/Examples/bin/Release/net10.0/Examples.dll cifar10 --weight-sharing \
    --strategy "$strategy" --shared-epochs "$SHARED_EPOCHS" --trials "$TRIALS" --final-epochs "$FINAL_EPOCHS" --seed "$SEED" \
    --out "$OUT/$strategy-out" >> "$OUT/$strategy.log" 2>&1
  { echo "finished $(date -u +%FT%TZ)"; uptime; } >> "$OUT/$strategy.log"
done
echo "logs in $OUT"
