#!/usr/bin/env bash
# A reduced PTB ENAS run (issue 12, recurrent cell): an ENAS-cell search with weight sharing on Penn Treebank, then the
# found cell and the LSTM of the same size, each trained with the same final budget by bench/Experiments ptb-final
# (perplexity over the whole validation and test files as streams). Reduced far below the issue's 1 CPU-hour: a small
# model (HIDDEN units, LAYERS layer), STEPS segments per epoch, few shared epochs; it shows the pipeline's result on real
# data at this size, not what ENAS reaches.
# Usage: bash bench/run-ptb-enas-small.sh   Environment: DATA (../shared/data/ptb), NODES (8), HIDDEN (64), LAYERS (1),
# STEPS (300), SHARED_EPOCHS (3), TRIALS (20), SEARCH_VALID (500 validation sentences for the search), FINAL_EPOCHS (4),
# FINAL_STEPS (STEPS; "all" for whole epochs of ptb.train), CONCURRENT_FINAL (0; 1 trains the cell and the LSTM at once,
# one libtorch thread each), NAME (ptb-enas-small: the results folder), SEED (1), NICE (19), TRAINING (the training
# options file of the search and both final trainings, bench/training-lm-sgd.json: SGD at 20; "default": the library's
# defaults, Adam at 0.003).
# The standard small-model budget of issue 14 (2 layers of 200 units, 13 whole epochs each; about 2.5 CPU-hours):
#   NAME=ptb-standard HIDDEN=200 LAYERS=2 STEPS=600 SHARED_EPOCHS=5 FINAL_STEPS=all FINAL_EPOCHS=13 CONCURRENT_FINAL=1 \
#     TRAINING=default NICE=0 bash bench/run-ptb-enas-small.sh
# (With SGD at 20 the shared 2 x 200 network diverged in its first epoch: bench/results/ptb-standard-sgd20.)
# Output: bench/results/NAME/<UTC stamp>/{search,cell,lstm}.log and machine.txt (what else ran, from ps).
# Resuming: RESUME=bench/results/NAME/<stamp> reruns only what that folder lacks (a search without its
# best-architecture.json, a final training whose log does not say finished; an unfinished log is kept as
# <name>-stopped-<UTC stamp>.log), with the settings of its machine.txt given again by the caller. A final training
# continues after the last epoch its <name>.checkpoint holds (kept out of commits).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/ptb} NODES=${NODES:-8} HIDDEN=${HIDDEN:-64} LAYERS=${LAYERS:-1} STEPS=${STEPS:-300}
SHARED_EPOCHS=${SHARED_EPOCHS:-3} TRIALS=${TRIALS:-20} SEARCH_VALID=${SEARCH_VALID:-500} FINAL_EPOCHS=${FINAL_EPOCHS:-4}
SEED=${SEED:-1} NICE=${NICE:-19} FINAL_STEPS=${FINAL_STEPS:-$STEPS} CONCURRENT_FINAL=${CONCURRENT_FINAL:-0} NAME=${NAME:-ptb-enas-small}
TRAINING=${TRAINING:-bench/training-lm-sgd.json}
export OMP_NUM_THREADS=1
OUT=${RESUME:-bench/results/$NAME/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
# Built into the results folder: rebuilding the repository meanwhile cannot touch the running programs, and this script
# never touches the repository's bin folders, which another benchmark may be running from.
printf '%s\n' bin/ '*.checkpoint' > "$OUT/.gitignore"
rm -rf "$OUT/bin"
nice -n "$NICE" dotnet build src/Examples -c Release -o "$OUT/bin/examples" -v q -nologo > /dev/null
nice -n "$NICE" dotnet build bench/Experiments -c Release -o "$OUT/bin/experiments" -v q -nologo > /dev/null
{ echo "$(date -u +%FT%TZ)${RESUME:+ resumed}"; echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/Experiments || echo ' + uncommitted changes')"
  echo "DATA=$DATA NODES=$NODES HIDDEN=$HIDDEN LAYERS=$LAYERS STEPS=$STEPS SHARED_EPOCHS=$SHARED_EPOCHS TRIALS=$TRIALS SEARCH_VALID=$SEARCH_VALID FINAL_EPOCHS=$FINAL_EPOCHS FINAL_STEPS=$FINAL_STEPS CONCURRENT_FINAL=$CONCURRENT_FINAL SEED=$SEED TRAINING=$TRAINING nice $NICE OMP_NUM_THREADS=1"
  grep -m1 'model name' /proc/cpuinfo; nproc; } >> "$OUT/machine.txt"
# By default the recipe the recorded reduced run used (SGD at 20 over 20 streams, the language-model defaults before
# issue 14 changed them).
MODEL=(--hidden "$HIDDEN" --layers "$LAYERS" --enas-nodes "$NODES" --device cpu)
if [ "$TRAINING" != default ]; then MODEL+=(--training "$TRAINING"); fi
FINAL=("${MODEL[@]}")
if [ "$FINAL_STEPS" != all ]; then FINAL+=(--steps-per-epoch "$FINAL_STEPS"); fi
run() { # name, command...
  local name=$1; shift
  if grep -q '^finished ' "$OUT/$name.log" 2>/dev/null; then echo "skip $name (finished)"; return; fi
  if [ -f "$OUT/$name.log" ]; then mv "$OUT/$name.log" "$OUT/$name-stopped-$(date -u +%Y%m%dT%H%M%SZ).log"; fi
  { echo "$name started $(date -u +%FT%TZ)"; uptime; ps -eo ni=,pcpu=,comm= --sort=-pcpu | head -8; } > "$OUT/$name.log"
  /usr/bin/time -v nice -n "$NICE" "$@" >> "$OUT/$name.log" 2>&1
  { echo "finished $(date -u +%FT%TZ)"; uptime; } >> "$OUT/$name.log"
}
if [ -f "$OUT/search-out/best-architecture.json" ]; then echo "skip search (its best-architecture.json exists)"; else
run search dotnet "$OUT/bin/examples/Examples.dll" ptb --data-dir "$DATA" --valid-size "$SEARCH_VALID" \
  --weight-sharing --shared-epochs "$SHARED_EPOCHS" --trials "$TRIALS" --final-epochs 1 --seed "$SEED" "${MODEL[@]}" \
  --steps-per-epoch "$STEPS" --out "$OUT/search-out"
fi
EXPERIMENTS=$OUT/bin/experiments/Experiments.dll
# Each final training saves every epoch's end (--checkpoint): a rerun with RESUME continues a stopped one from there.
final_cell() { run cell dotnet "$EXPERIMENTS" ptb-final --data-dir "$DATA" --model cell --architecture "$OUT/search-out/best-architecture.json" \
  --epochs "$FINAL_EPOCHS" --seed "$SEED" --checkpoint "$OUT/cell.checkpoint" "${FINAL[@]}"; }
final_lstm() { run lstm dotnet "$EXPERIMENTS" ptb-final --data-dir "$DATA" --model lstm --epochs "$FINAL_EPOCHS" --seed "$SEED" \
  --checkpoint "$OUT/lstm.checkpoint" "${FINAL[@]}"; }
if [ "$CONCURRENT_FINAL" = 1 ]; then
  final_cell & cell_job=$!
  final_lstm
  wait "$cell_job"
else
  final_cell
  final_lstm
fi
grep -h RESULT "$OUT/cell.log" "$OUT/lstm.log"
echo "logs in $OUT"
