#!/usr/bin/env bash
# Issue 13: the CIFAR-10 part of "Results on the full data sets" in BENCHMARKS.md (bench/run-results.sh: Reinforce vs
# Random with every child trained alone, 12 one-epoch children each on the first 5,000 training images, 1,157 and
# 1,393 s of search; winners and references retrained 2 epochs on all 50,000) rerun with the space that has
# downsampling stages (bench/space-airbench.json) and the library's default training recipe, at the same wall-clock
# budget: 20 minutes of search each, then the same 2-epoch final training; beside them the airbench-like reference
# (bench/reference-airbench.json) trained the same 2 epochs. Runs through bench/run-enas-cifar.sh (its logs, resume and
# summary table), two lanes of one libtorch thread: about 85 minutes of wall time.
# Usage: bash bench/run-results-stages.sh   Environment: SEEDS (1), METHODS (all three), LANES (2), OUT
# (bench/results/stages-search), NICE (0).
set -euo pipefail
cd "$(dirname "$0")/.."
export SPACE=bench/space-airbench.json SEARCH_ROWS=5000 SEARCH_MINUTES=20 FINAL_EPOCHS=2 SEEDS=${SEEDS:-1} LANES=${LANES:-2} THREADS=1
export METHODS=${METHODS:-separate random-separate fixed} ARCHITECTURE=bench/reference-airbench.json OUT=${OUT:-bench/results/stages-search}
exec bash bench/run-enas-cifar.sh
