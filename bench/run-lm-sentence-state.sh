#!/usr/bin/env bash
# Issue 14, step 1: is the defaults' per-sentence perplexity lost to the state carried across sentences in training?
# The default LSTM reference trained with the state carried (PyTorch's recipe) and per sentence, each scored as a
# stream, per sentence from zero with <eos> first (the transformer), per sentence after <eos> from zero, and per
# sentence after the previous sentences (RESULT lines). Usage: bash bench/run-lm-sentence-state.sh [lm-sentence-state
# options]; testdata/ptb by default. One libtorch thread. Log: bench/results/lm-sentence-state/run.log (+ others.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/results/lm-sentence-state
mkdir -p "$OUT"
export OMP_NUM_THREADS=1
{ echo "revision $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/Experiments || echo ' + uncommitted changes')"; date -u; } > "$OUT/run.log"
ps -eo pcpu,etime,args --sort=-pcpu | grep -E 'dotnet|python' | grep -v grep | head -20 > "$OUT/others.txt" || true
nice -n 19 dotnet run --project bench/Experiments -c Release --no-build -- lm-sentence-state "$@" 2>&1 | tee -a "$OUT/run.log"
date -u >> "$OUT/run.log"
