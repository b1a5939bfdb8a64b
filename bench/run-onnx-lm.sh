#!/usr/bin/env bash
# BENCHMARKS.md "ONNX export of language models": trains a language model with src/Examples ptb (a short run by
# default: one child and no references, one final epoch of at most 100 steps, the default shape and the whole training
# split's vocabulary; its own perplexities on 300 sentences), which saves the model zip and its
# SaveAsOnnx one-step graph; then bench/Experiments onnx-lm-agreement scores the Penn Treebank test sentences with
# both, one after the other in one process (TorchSharp transformer, then ONNX Runtime through src/Examples.OnnxScoring's
# OnnxLanguageModel driver), one thread each (OMP_NUM_THREADS=1, ONNX Runtime intra-op threads 1).
# Usage: [SENTENCES=N] bash bench/run-onnx-lm.sh [PTB_DIR (default ../shared/data/ptb)] [ptb options... (replace the defaults)]
#   SENTENCES: score only the first N test sentences in the comparison (default: the whole test split)
# Log: bench/results/onnx-export/onnx-lm.log
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/ptb}
shift || true
options=("$@")
[ ${#options[@]} -gt 0 ] || options=(--trials 1 --no-references --trial-epochs 1 --final-epochs 1 --steps-per-epoch 100 \
  --search-size 2000 --valid-size 300 --test-size 300)
cores=$(nproc)  # before OMP_NUM_THREADS, which nproc honours
export OMP_NUM_THREADS=1
results=bench/results/onnx-export
mkdir -p "$results"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  echo "== $(date -u '+%Y-%m-%d %H:%M UTC') $cores cores, $(git rev-parse --short HEAD), OMP_NUM_THREADS=$OMP_NUM_THREADS"
  echo "== load and top processes at start (the machine is shared):"; uptime; ps -eo pcpu,comm --sort=-pcpu | head -6
  dotnet build src/Examples -c Release -v q -nologo >/dev/null
  dotnet build bench/Experiments -c Release -v q -nologo >/dev/null
  echo "== src/Examples ptb on $data, options: ${options[*]}"
  dotnet src/Examples/bin/Release/net10.0/Examples.dll ptb --data-dir "$data" --out "$work/ptb" "${options[@]}" \
    | grep -E "best cell|perplexity|exported|search \+ final"
  echo "== onnx-lm-agreement on $data (test split${SENTENCES:+, first $SENTENCES sentences})"
  dotnet bench/Experiments/bin/Release/net10.0/Experiments.dll onnx-lm-agreement --data-dir "$data" ${SENTENCES:+--test-size "$SENTENCES"} \
    --model "$work/ptb/model.zip" --onnx "$work/ptb/model.onnx" --onnx-threads 1
  echo "== load and top processes at end:"; uptime; ps -eo pcpu,comm --sort=-pcpu | head -6
} 2>&1 | tee "$results/onnx-lm.log"
