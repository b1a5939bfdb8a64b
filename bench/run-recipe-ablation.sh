#!/usr/bin/env bash
# Recipe ablation at a reduced scale that fits a session on 2 cores: the airbench-like reference
# (bench/reference-airbench.json) trained with the airbench recipe, and with each piece turned off in turn, plus the
# library's classic recipe; same seed, same training prefix and test images for every variant. Each run's RSS is
# sampled every 5 s. Usage: bash bench/run-recipe-ablation.sh [VARIANTS...]
# Environment: TRAIN (5000 images), TEST (2000), EPOCHS (5), COMPUTE (cl), DATA (../shared/data/cifar10); libtorch threads
# follow OMP_NUM_THREADS (1 keeps a run on one core, so that its accuracy curve does not depend on what shares the other).
# Output: bench/results/recipe-ablation/<UTC stamp>/<variant>.log, .rss (seconds, kB), summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
TRAIN=${TRAIN:-5000} TEST=${TEST:-2000} EPOCHS=${EPOCHS:-5} COMPUTE=${COMPUTE:-cl}
DATA=${DATA:-../shared/data/cifar10}
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(airbench no-smoothing no-lookahead no-tta no-warmup bn-scale-trained bn-shift-plain classic)
OUT=bench/results/recipe-ablation/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
dotnet build bench/Experiments -c Release -v q -nologo > /dev/null
bin=$(mktemp -d); cp -r bench/Experiments/bin/Release/net10.0/. "$bin"; trap 'rm -rf "$bin"' EXIT
{ echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/Experiments || echo ' + uncommitted changes')"
  echo "TRAIN=$TRAIN TEST=$TEST EPOCHS=$EPOCHS COMPUTE=$COMPUTE OMP_NUM_THREADS=${OMP_NUM_THREADS:-unset}"; grep -m1 "model name" /proc/cpuinfo; echo "cores $(getconf _NPROCESSORS_ONLN)"; } > "$OUT/machine.txt"
for v in "${variants[@]}"; do
  case $v in
    airbench) args=(--recipe airbench) ;;
    no-smoothing) args=(--recipe airbench --without smoothing) ;;
    no-lookahead) args=(--recipe airbench --without lookahead) ;;
    no-tta) args=(--recipe airbench --without tta) ;;
    no-warmup) args=(--recipe airbench --without warmup) ;;
    bn-scale-trained) args=(--recipe airbench --without bn-scale-frozen) ;;
    bn-shift-plain) args=(--recipe airbench --without bn-shift-rate) ;;
    classic) args=(--recipe classic) ;;
    *) echo "unknown variant $v" >&2; exit 2 ;;
  esac
  { echo "variant $v started $(date -u +%FT%TZ)"; uptime; ps -eo ni=,pcpu=,comm= --sort=-pcpu | head -5; } > "$OUT/$v.log"
  dotnet "$bin/Experiments.dll" cifar-recipe --data-dir "$DATA" --architecture bench/reference-airbench.json \
    --train-size "$TRAIN" --test-size "$TEST" --epochs "$EPOCHS" --compute "$COMPUTE" "${args[@]}" >> "$OUT/$v.log" 2>&1 &
  pid=$! start=$SECONDS
  : > "$OUT/$v.rss"
  while kill -0 $pid 2>/dev/null; do
    awk -v t=$((SECONDS - start)) '/^VmRSS/ { print t, $2 }' /proc/$pid/status >> "$OUT/$v.rss" 2>/dev/null || true
    sleep 5
  done
  wait $pid
  { echo "finished $(date -u +%FT%TZ)"; uptime; } >> "$OUT/$v.log"
done
{ printf '%-18s %9s %8s %10s %12s\n' variant test_acc minutes img_per_s peak_rss_mib
  for v in "${variants[@]}"; do
    r=$(grep RESULT "$OUT/$v.log" || true)
    acc=$(sed -n 's/.*test_accuracy=\([0-9.]*\).*/\1/p' <<< "$r"); min=$(sed -n 's/.*minutes=\([0-9.]*\).*/\1/p' <<< "$r")
    ips=$(sed -n 's/.*train_images_per_s=\([0-9]*\).*/\1/p' <<< "$r")
    peak=$(awk 'BEGIN{m=0} $2>m{m=$2} END{printf "%d", m/1024}' "$OUT/$v.rss")
    printf '%-18s %9s %8s %10s %12s\n' "$v" "$acc" "$min" "$ips" "$peak"
  done; } > "$OUT/summary.txt"
cat "$OUT/summary.txt"
