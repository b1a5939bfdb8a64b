#!/usr/bin/env bash
# Runs README's main job (the cifar10 example on testdata/) on a base revision and on the working tree, one after the
# other, and compares everything they print except timings and paths: the children's architectures and rewards, the
# best architecture, test accuracy and predictions. Usage: bash bench/main-job-unchanged.sh [BASE_REV]
# Logs land in bench/results/main-job-unchanged/ (base.log, head.log, diff.txt); about 10 minutes on 2 cores.
# COMPARE_ONLY=1 compares the logs already there without running the job again.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:-6d56538}
OUT=bench/results/main-job-unchanged
mkdir -p "$OUT"
if [ "${COMPARE_ONLY:-0}" != 1 ]; then
  scratch=$(mktemp -d)
  git worktree add -q --detach "$scratch/base" "$BASE"
  trap 'git worktree remove --force "$scratch/base"; rm -rf "$scratch"' EXIT
  echo "base $(git rev-parse --short "$BASE")" | tee "$OUT/revisions.txt"
  (cd "$scratch/base" && dotnet run --project src/Examples -c Release -- cifar10 --out "$scratch/base-out") > "$OUT/base.log" 2>&1
  echo "head $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + uncommitted changes')" | tee -a "$OUT/revisions.txt"
  dotnet run --project src/Examples -c Release -- cifar10 --out "$scratch/head-out" > "$OUT/head.log" 2>&1
fi
# Timings and the two runs' folders differ by design; everything else must not.
comparable() { grep -vE 'elapsed|search \+ final training|^architecture: |^report: ' "$1" | sed -E "s#/[^ ]*/(testdata|[a-z]+-out)/#<dir>/\1/#g; s#(base|head)-out#<run>-out#g"; }
if diff <(comparable "$OUT/base.log") <(comparable "$OUT/head.log") > "$OUT/diff.txt"; then
  echo "same output: every child, reward, the best architecture, test accuracy and predictions" | tee -a "$OUT/revisions.txt"
else
  echo "outputs differ (see $OUT/diff.txt)" | tee -a "$OUT/revisions.txt"
  exit 1
fi
