#!/usr/bin/env bash
# Issue 14's new-user case: a language-model search with default options (Reinforce, MaxTrials 2, TrialEpochs 1,
# FinalEpochs 2, seed 7) on the first 10,000 sentences of ptb.train, saved, loaded and scored sentence by sentence with
# a PredictionEngine on the first 300 sentences of ptb.test, against an add-one unigram model counted on the same
# sentences and the LSTM reference cell trained alone with the same final budget. Prints the three perplexities
# (RESULT lines). Usage: bash bench/run-lm-defaults.sh [extra lm-defaults options]; DATA=../shared/data/ptb by default.
# One libtorch thread (OMP_NUM_THREADS=1). Log: bench/results/lm-defaults/run.log (+ others.txt: what else ran).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/ptb}
OUT=bench/results/lm-defaults
mkdir -p "$OUT"
export OMP_NUM_THREADS=1
{ echo "revision $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/Experiments || echo ' + uncommitted changes')"; date -u; } > "$OUT/run.log"
ps -eo pcpu,etime,args --sort=-pcpu | grep -E 'dotnet|python' | grep -v grep | head -20 > "$OUT/others.txt" || true
nice -n 19 dotnet run --project bench/Experiments -c Release -- lm-defaults --data-dir "$DATA" --out out/lm-defaults "$@" 2>&1 | tee -a "$OUT/run.log"
date -u >> "$OUT/run.log"
