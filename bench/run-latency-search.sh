#!/usr/bin/env bash
# Issue 14's CIFAR-10 latency-constrained search: the same Reinforce search (12 children of the default 6-layer space,
# one epoch on the first 5,000 training images, validated on the next 1,000, seed 1) run once for accuracy alone and
# once for MnasNet's reward accuracy x (latency / 2 ms)^-0.07 with each child's latency measured in-process on one
# thread; each winner retrained 5 epochs on the 6,000 images and scored on the 10,000 test images; then both winners
# timed again side by side in one process (7 interleaved rounds, median of 51 runs each, one thread). Prints RESULT
# lines (test accuracy and latency of both winners, their latency ratio) and writes each search's report (the latency
# search's metric chart is accuracy against latency with the Pareto front) under $OUT_DIR/<search>/report.
# About 20-25 min of one core per search at the full size (a 12-child search of this size took 1,393 s in
# bench/results/cifar-random.log), plus the final trainings. Latency needs a quiet machine: what else ran is logged.
# Usage: bash bench/run-latency-search.sh [extra latency-search options, e.g. --strategy random]
#   DATA=../shared/data/cifar10, TARGET=2 (ms per image), COST_WEIGHT=-0.07, LOG=bench/results/latency-search and
#   OUT_DIR=out/latency-search by default; NICE=19 (0 when the measurement should have a core to itself).
# Weight sharing (both searches ENAS-style over bench/space-enas-macro.json; each scored architecture timed once as a
# network of its own; about 25 min of one core per search at the size below, plus the final trainings):
#   LOG=bench/results/latency-search-ws OUT_DIR=out/latency-search-ws NICE=0 bash bench/run-latency-search.sh \
#     --weight-sharing --space bench/space-enas-macro.json --shared-epochs 5 --trials 40 --final-epochs 3
# Tiny smoke run on testdata: DATA=testdata/cifar10 LOG=bench/results/latency-search-smoke bash bench/run-latency-search.sh \
#   --train-size 200 --valid-size 100 --test-size 100 --trials 3 --final-epochs 1 --layers 2 --latency-rounds 3 --latency-runs 11
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/cifar10}
TARGET=${TARGET:-2}
COST_WEIGHT=${COST_WEIGHT:--0.07}
LOG=${LOG:-bench/results/latency-search}
OUT_DIR=${OUT_DIR:-out/latency-search}
NICE=${NICE:-19}
mkdir -p "$LOG"
export OMP_NUM_THREADS=1 DOTNET_PROCESSOR_COUNT=1
{ echo "revision $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/Experiments || echo ' + uncommitted changes')"; date -u; echo "nice $NICE"; uptime; } > "$LOG/run.log"
ps -eo pcpu,etime,args --sort=-pcpu | grep -E 'dotnet|python' | grep -v grep | head -20 > "$LOG/others.txt" || true
nice -n "$NICE" dotnet run --project bench/Experiments -c Release -- latency-search --data-dir "$DATA" --out "$OUT_DIR" \
  --objective latency --target "$TARGET" --cost-weight "$COST_WEIGHT" "$@" 2>&1 | tee -a "$LOG/run.log"
date -u >> "$LOG/run.log"
# The charts the RESULT lines name, kept beside the log.
for search in unconstrained latency; do
  for chart in "$OUT_DIR/$search/report/"*.png; do cp "$chart" "$LOG/$search-$(basename "$chart")"; done
done
