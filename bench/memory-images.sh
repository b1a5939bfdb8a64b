#!/usr/bin/env bash
# Peak RSS (/usr/bin/time -v) of the main job and of fixed-architecture CIFAR-10 runs on more data, on a base revision
# and on the working tree, one process at a time; then checks that the main job printed the same results on both.
# Usage: bash bench/memory-images.sh [BASE_REV]
# SIDES="base head" by default (SIDES= only rewrites the summary); SIZES="10000 20000" training images for the
# fixed-architecture runs, which need the full data set in DATA (default /work/shared/data/cifar10).
# TAG (empty by default) is appended to the file names, for runs under other settings (e.g. an environment variable
# given to the script, which the runs inherit).
# Logs land in bench/results/memory-images/: <side>-<run><TAG>.log (output), .time (/usr/bin/time -v), .rss (the
# application process's RSS every 2 s: seconds, kB), others.txt (what else ran), summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:-5a8d187}
SIDES=${SIDES-base head}
SIZES=${SIZES-10000 20000}
TAG=${TAG:-}
DATA=${DATA:-/work/shared/data/cifar10}
OUT=bench/results/memory-images
mkdir -p "$OUT"
repo=$(pwd)
scratch=$(mktemp -d)
cleanup() { if [ -d "$scratch/base" ]; then git worktree remove --force "$scratch/base"; fi; rm -rf "$scratch"; }
trap cleanup EXIT

measure() { # side, name, args... (the last two args are --out DIR, unique to the run)
  local side=$1 name=$2$TAG; shift 2
  local dir=$repo; [ "$side" = base ] && dir=$scratch/base
  local out=${*: -1}
  echo "$side $name: $*" >&2
  (cd "$dir" && /usr/bin/time -v -o "$repo/$OUT/$side-$name.time" \
    dotnet run --project src/Examples -c Release -- "$@") > "$OUT/$side-$name.log" 2>&1 &
  local job=$! start=$SECONDS pid
  # RSS of the application process (not dotnet run, not the build) every 2 s: seconds since start, kB.
  : > "$OUT/$side-$name.rss"
  while kill -0 "$job" 2>/dev/null; do
    pid=$(pgrep -n -f "net10.0/Examples cifar10 .*$out" || true)
    if [ -n "$pid" ]; then awk -v t=$((SECONDS - start)) '/^VmRSS/ { print t, $2 }' "/proc/$pid/status" 2>/dev/null >> "$OUT/$side-$name.rss" || true; fi
    sleep 2
  done
  wait "$job"
  { echo "--- $(date -u +%FT%TZ) other processes (top by CPU) while $side $name finished:"; ps -eo pid,pcpu,rss,etime,args --sort=-pcpu | head -8 | cut -c1-160; } >> "$OUT/others.txt"
}

for side in $SIDES; do
  dir=$repo
  if [ "$side" = base ]; then
    git worktree add -q --detach "$scratch/base" "$BASE"
    dir=$scratch/base
    echo "base $(git rev-parse --short "$BASE")" > "$OUT/revisions-base.txt"
  else
    echo "head $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + uncommitted changes')" > "$OUT/revisions-head.txt"
  fi
  (cd "$dir" && dotnet build src/Examples -c Release -v q -nologo) > "$OUT/$side-build.log" 2>&1
  # The main job as README runs it (testdata, 8 children, final training, test, save/load, report).
  measure "$side" main cifar10 --out "$scratch/$side-main"
  if [ -d "$DATA" ]; then
    for n in $SIZES; do
      measure "$side" "fixed-$n" cifar10 --data-dir "$DATA" --train-size "$n" --test-size 2000 \
        --architecture "$repo/bench/reference-cnn.json" --final-epochs 1 --out "$scratch/$side-fixed-$n"
    done
  fi
  if [ "$side" = base ]; then git worktree remove --force "$scratch/base"; fi
done

peak() { awk -F': ' '/Maximum resident set size/ { printf "%d kB (%.2f GB, %.2f GiB)", $2, $2 / 1e6, $2 / 1048576 }' "$1"; }
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$1"; }
{
  cat "$OUT"/revisions-*.txt
  for f in "$OUT"/*.time; do echo "$(basename "$f" .time): peak RSS $(peak "$f"), wall $(wall "$f")"; done
  comparable() { grep -vE 'elapsed|search \+ final training|^architecture: |^report: ' "$1" | sed -E "s#/tmp/tmp\.[A-Za-z0-9]+/[a-z]+-[a-z0-9-]+#<run>#g; s#/[^ ]*/testdata/#<repo>/testdata/#g"; }
  # Every run made on both sides must print the same results (children, rewards, test accuracy, predictions).
  for base_log in "$OUT"/base-*.log; do
    name=$(basename "$base_log" .log); name=${name#base-}
    [ "$name" = build ] || [ ! -f "$OUT/head-$name.log" ] && continue
    if diff <(comparable "$base_log") <(comparable "$OUT/head-$name.log") > "$OUT/diff-$name.txt"; then
      echo "$name: same printed results on base and head"; rm "$OUT/diff-$name.txt"
    else
      echo "$name: outputs differ (see diff-$name.txt)"
    fi
  done
} | tee "$OUT/summary.txt"
