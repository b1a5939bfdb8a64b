#!/usr/bin/env bash
# Peak RSS and an RSS trace of the Examples' cifar10 fixed-architecture path at several training-set sizes, one
# process at a time, so that memory growth per 10,000 training images can be read off (issue 13).
# Usage: bash bench/run-memory-growth.sh [RUN...]
#   RUN is NAME:ARCHITECTURE[:TRAINING]:SIZE, e.g. cnn:bench/reference-cnn.json:10000 or
#   airbench:bench/reference-airbench.json:bench/training-airbench.json:50000, or main (the main job as the README
#   runs it: testdata, 8 children, 10 final epochs), or search:SIZE[:LAYERS] (a full-data search process: children of
#   the LAYERS-layer space (default 1; 6 is the default space), 4 of them, trained 1 epoch on the first 5,000 training
#   rows, the best trained 1 epoch on SIZE images, the test images scored, save/load, ONNX export), or
#   shared:SIZE:SEARCH_SIZE:SHARED_EPOCHS (a weight-sharing search in ENAS's macro space, bench/space-enas-macro.json:
#   Reinforce with 10 children scored per shared epoch on the first SEARCH_SIZE training rows, no references, the
#   winner trained EPOCHS on SIZE images; the .rss trace shows whether memory stays flat across the shared epochs,
#   whose ends the log's trial lines time). Without arguments: the main job, then the tiny and the
#   plain reference at 5,000/10,000/20,000/50,000 images.
# Environment: DATA (default /work/shared/data/cifar10), TEST_SIZE (10000), EPOCHS (1), TAG (appended to the names,
# e.g. for runs under another setting the runs inherit), OMP_NUM_THREADS (1 unless set), NICE (19: the runs yield to
# other work; 0 when the run should keep its core on a shared machine), ARGS (more cifar10 options for every run, e.g.
# "--native-allocator Memory").
# Every run: <name>-<size><TAG>.log (output), .time (/usr/bin/time -v), .rss (VmRSS of the application every second:
# seconds since start, kB, and the last line the program printed); summary.txt collects the peaks.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-/work/shared/data/cifar10}
TEST_SIZE=${TEST_SIZE:-10000}
EPOCHS=${EPOCHS:-1}
TAG=${TAG:-}
NICE=${NICE:-19}
read -r -a extra <<< "${ARGS:-}"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
OUT=bench/results/memory-growth
mkdir -p "$OUT"
repo=$(pwd)
runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
  runs=(main)
  for n in 5000 10000 20000 50000; do runs+=("tiny:bench/reference-cnn-tiny.json:$n"); done
  for n in 5000 10000 20000 50000; do runs+=("cnn:bench/reference-cnn.json:$n"); done
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Built into the scratch folder, so that a rebuild of the working tree cannot touch the program while it runs.
nice -n 19 dotnet build src/Examples -c Release -m:1 -v q -nologo -o "$scratch/bin" > "$OUT/build$TAG.log" 2>&1
revision="revision $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' + uncommitted changes in src')"

for run in "${runs[@]}"; do
  IFS=: read -r name arch third fourth <<< "$run"
  if [ "$name" = main ]; then
    base="$OUT/main$TAG"
    args=(cifar10 --out "$scratch/main")
  elif [ "$name" = search ]; then
    size=$arch layers=${third:-1}
    if [ -n "${third:-}" ]; then base="$OUT/search-$size-${layers}layers$TAG"; else base="$OUT/search-$size$TAG"; fi
    args=(cifar10 --data-dir "$DATA" --train-size "$size" --test-size "$TEST_SIZE" --search-size 5000 --layers "$layers"
          --trials 4 --trial-epochs 1 --final-epochs "$EPOCHS" --out "$scratch/search-$size")
  elif [ "$name" = shared ]; then
    size=$arch searchsize=$third epochs=$fourth
    base="$OUT/shared-$size-$searchsize-${epochs}epochs$TAG"
    args=(cifar10 --data-dir "$DATA" --train-size "$size" --test-size "$TEST_SIZE" --search-size "$searchsize"
          --space "$repo/bench/space-enas-macro.json" --weight-sharing --strategy reinforce --shared-epochs "$epochs"
          --trials 10 --no-references --final-epochs "$EPOCHS" --out "$scratch/shared-$size")
  else
    if [ -n "${fourth:-}" ]; then training=$third; size=$fourth; else training=; size=$third; fi
    base="$OUT/$name-$size$TAG"
    args=(cifar10 --data-dir "$DATA" --train-size "$size" --test-size "$TEST_SIZE" --architecture "$repo/$arch"
          --final-epochs "$EPOCHS" --out "$scratch/$name-$size")
    if [ -n "$training" ]; then args+=(--training "$repo/$training"); fi
  fi
  args+=("${extra[@]}")
  { echo "# $(date -u +%FT%TZ) $revision OMP_NUM_THREADS=$OMP_NUM_THREADS nice $NICE ${args[*]}"; uptime; } > "$base.log"
  echo "$(basename "$base"): $revision" >> "$OUT/revision$TAG.txt"
  echo "$base: ${args[*]}" >&2
  nice -n "$NICE" /usr/bin/time -v -o "$base.time" dotnet "$scratch/bin/Examples.dll" "${args[@]}" >> "$base.log" 2>&1 &
  job=$! start=$SECONDS pid=
  : > "$base.rss"
  while kill -0 "$job" 2>/dev/null; do
    [ -z "$pid" ] && pid=$(pgrep -P "$job" -n || true)
    if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
      rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
      [ -n "$rss" ] && echo "$((SECONDS - start)) $rss" >> "$base.rss"
    fi
    sleep 1
  done
  wait "$job" || echo "$base: exit code $?" >&2
  { echo "--- other processes (top by CPU) at the end:"; ps -eo pid,pcpu,rss,etime,args --sort=-pcpu | head -8 | cut -c1-160; } >> "$base.log"
done

peak() { awk -F': ' '/Maximum resident set size/ { printf "%.3f GB", $2 / 1e6 }' "$1"; }
{
  cat "$OUT"/revision*.txt
  for f in "$OUT"/*.time; do
    echo "$(basename "$f" .time): peak RSS $(peak "$f"), wall $(awk -F': ' '/Elapsed/ { print $2 }' "$f"), $(grep -h 'test accuracy' "${f%.time}.log" | head -1)"
  done
} | tee "$OUT/summary.txt"
