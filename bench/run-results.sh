#!/usr/bin/env bash
# Reproduces "Results on the full data sets" in BENCHMARKS.md: CIFAR-10 Reinforce vs Random searches (each best
# retrained on all 50,000 training images and scored on the 10,000 test images), hand-designed reference CNNs with the
# same final budget (a plain and a densely connected one, about the sizes of the searched winners), a Penn Treebank
# cell search (src/Examples), and the best cell and the LSTM baseline trained with the same budget (ptb-final of
# bench/Experiments).
# Three lanes run at once, one thread each (2-core machine); logs, reports, models and peak memory (/usr/bin/time -v)
# land in $OUT. Usage: bash bench/run-results.sh [DATA_DIR]   (default ../shared/data; takes about 2 hours)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}
OUT=${OUT:-out/results}
mkdir -p "$OUT"
dotnet build src/Examples -c Release -v q -nologo
dotnet build bench/Experiments -c Release -v q -nologo
# Run from copies, so that rebuilding the repository meanwhile cannot touch the running programs.
rm -rf "$OUT/bin" "$OUT/experiments-bin"
cp -r src/Examples/bin/Release/net10.0 "$OUT/bin" && cp -r bench/Experiments/bin/Release/net10.0 "$OUT/experiments-bin"
export DOTNET_PROCESSOR_COUNT=1 OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE

timed() { # name, program, arguments...
  local name=$1 program=$2; shift 2
  echo "$(date -u +%T) start $name: $program $*"
  /usr/bin/time -v -o "$OUT/$name.time" dotnet "$program" "$@" > "$OUT/$name.log" 2>&1
  echo "$(date -u +%T) done  $name: $(grep -E 'test accuracy|RESULT|test perplexity' "$OUT/$name.log" | tail -1)"
}
run() { local name=$1; shift; timed "$name" "$OUT/bin/Examples.dll" "$@" --out "$OUT/$name"; } # name, Examples arguments...
# ptb-final (bench/Experiments) writes nothing but its log, so it takes no --out.
experiment() { local name=$1; shift; timed "$name" "$OUT/experiments-bin/Experiments.dll" "$@"; } # name, Experiments arguments...

CIFAR="--data-dir $DATA/cifar10 --seed 1 --trial-epochs 1 --final-epochs 2"
SEARCH="--search-size 5000 --trials 12"
PTB="--data-dir $DATA/ptb --seed 1 --hidden 200 --layers 2 --leaves 4"

( run cifar-reinforce cifar10 $CIFAR $SEARCH --strategy reinforce --children-per-update 2
  run cifar-reference cifar10 $CIFAR --architecture bench/reference-cnn.json ) &
( run cifar-random cifar10 $CIFAR $SEARCH --strategy random
  experiment ptb-lstm ptb-final $PTB --model lstm --epochs 4
  # The LSTM on the search's proxy task (what a child sees), to place the children's perplexities.
  experiment ptb-lstm-proxy ptb-final $PTB --model lstm --epochs 1 --train-size 10000 --valid-size 1000 --test-size 500 ) &
( run ptb-search ptb $PTB --train-size 10000 --valid-size 1000 --test-size 500 --trials 10 --final-epochs 1
  experiment ptb-cell ptb-final $PTB --architecture "$OUT/ptb-search/best-architecture.json" --epochs 4
  run cifar-reference-dense cifar10 $CIFAR --architecture bench/reference-cnn-dense.json ) &
wait
grep -H "Maximum resident" "$OUT"/*.time
