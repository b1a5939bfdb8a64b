#!/usr/bin/env bash
# The LSTM baseline (2 layers of 200, 10k-word PTB vocabulary cut to the training sentences') trained 2 epochs on the
# first 3,000 sentences of ptb.train with several LanguageModelTrainingOptions, validated on the first 300 sentences of
# ptb.valid and tested on the first 300 of ptb.test (streams): how fast each optimizer leaves the unigram model, which
# chose the language-model defaults (issue 14). Three runs at a time, one libtorch thread each.
# Usage: bash bench/run-lm-optimizers.sh [CONFIG...]   (default: every config below). DATA=../shared/data/ptb by default.
# Logs: bench/results/lm-optimizers/<config>.log
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/ptb}
OUT=bench/results/lm-optimizers
mkdir -p "$OUT"
declare -A CONFIGS=(
  [sgd]='{"optimizer": "Sgd", "learningRate": 20, "batchSize": 20, "carryStateAcrossSentences": true}'
  [adam]='{"optimizer": "Adam", "learningRate": 0.002, "batchSize": 20, "carryStateAcrossSentences": true}'
  [adamtie]='{"optimizer": "Adam", "learningRate": 0.002, "batchSize": 20, "carryStateAcrossSentences": true}|--tie-weights true'
  [a5]='{"optimizer": "Adam", "learningRate": 0.005, "batchSize": 20, "carryStateAcrossSentences": true}'
  [a10]='{"optimizer": "Adam", "learningRate": 0.01, "batchSize": 20, "carryStateAcrossSentences": true}'
  [a3b10]='{"optimizer": "Adam", "learningRate": 0.003, "batchSize": 10, "carryStateAcrossSentences": true}'
)
names=("$@"); [ ${#names[@]} -eq 0 ] && names=(sgd adam adamtie a5 a10 a3b10)
dotnet build bench/Experiments -c Release -v q -nologo > /dev/null
scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
export OMP_NUM_THREADS=1
running=0
for name in "${names[@]}"; do
  spec=${CONFIGS[$name]}; json=${spec%%|*}; extra=""; [[ $spec == *"|"* ]] && extra=${spec#*|}
  echo "$json" > "$scratch/$name.json"
  { echo "config $name: $json $extra; revision $(git rev-parse --short HEAD)"; date -u; } > "$OUT/$name.log"
  # shellcheck disable=SC2086
  (nice -n 19 dotnet bench/Experiments/bin/Release/net10.0/Experiments.dll ptb-final --data-dir "$DATA" --train-size 3000 --valid-size 300 \
     --test-size 300 --epochs 2 --model lstm --seed 7 --training "$scratch/$name.json" $extra >> "$OUT/$name.log" 2>&1; date -u >> "$OUT/$name.log") &
  running=$((running + 1))
  if [ "$running" -eq 3 ]; then wait; running=0; fi
done
wait
grep -H RESULT "$OUT"/*.log
