#!/usr/bin/env bash
# Issue 12, result 4: how well shared weights rank architectures. Trains the weight-sharing CNN of a space with a
# random child per mini-batch, then ranks N random architectures by their shared-weight validation accuracy and by
# their validation accuracy trained alone for a short fixed budget (same rows); prints Kendall's tau-b and Spearman's rho.
# Usage: bash bench/run-ws-ranking.sh   Environment: SPACE (bench/space-ws-small.json), TRAIN (2000), VALID (500),
# SHARED_EPOCHS (15), ALONE_EPOCHS (3), ARCHITECTURES (20), SEED (1), THREADS (1), NICE (5), DATA (../shared/data/cifar10).
# Output: bench/results/ws-ranking/<UTC stamp>.log (with what else ran at start and end).
set -euo pipefail
cd "$(dirname "$0")/.."
SPACE=${SPACE:-bench/space-ws-small.json} TRAIN=${TRAIN:-2000} VALID=${VALID:-500} SHARED_EPOCHS=${SHARED_EPOCHS:-15}
ALONE_EPOCHS=${ALONE_EPOCHS:-3} ARCHITECTURES=${ARCHITECTURES:-20} SEED=${SEED:-1} THREADS=${THREADS:-1} NICE=${NICE:-5}
DATA=${DATA:-../shared/data/cifar10}
OUT=bench/results/ws-ranking/$(date -u +%Y%m%dT%H%M%SZ).log
mkdir -p "$(dirname "$OUT")"
nice -n "$NICE" dotnet build bench/Experiments -c Release -v q -nologo > /dev/null
{ echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/Experiments || echo ' + uncommitted changes')"
  echo "SPACE=$SPACE $(tr -d ' \n' < "$SPACE")"; grep -m1 'model name' /proc/cpuinfo; echo "nproc $(nproc) threads $THREADS nice $NICE"
  echo "started $(date -u +%FT%TZ)"; uptime; ps -eo ni=,pcpu=,comm= --sort=-pcpu | head -8; } > "$OUT"
OMP_NUM_THREADS=$THREADS /usr/bin/time -v nice -n "$NICE" dotnet bench/Experiments/bin/Release/net10.0/Experiments.dll ws-ranking \
  --data-dir "$DATA" --train-size "$TRAIN" --valid-size "$VALID" --shared-epochs "$SHARED_EPOCHS" --alone-epochs "$ALONE_EPOCHS" \
  --architectures "$ARCHITECTURES" --space "$SPACE" --seed "$SEED" >> "$OUT" 2>&1
{ echo "finished $(date -u +%FT%TZ)"; uptime; ps -eo ni=,pcpu=,comm= --sort=-pcpu | head -8; } >> "$OUT"
echo "log: $OUT"
