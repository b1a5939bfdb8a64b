#!/usr/bin/env bash
# Issue 12, results 1-3 on the full CIFAR-10: ENAS (Reinforce on shared weights) vs random search on the same shared
# network vs the separately trained Reinforce search of the same wall time, and the best hand-designed network of the
# space (the space's reference architectures trained as the first trials of a search that proposes nothing else), each
# winner retrained with the same final training and scored on the 10,000 test images; SEEDS seeds each.
# Every run has its own --checkpoint folder and its log says when it finished, so the script is resumable: rerun it
# (e.g. in the next session) and finished runs are skipped, an interrupted search resumes from its last checkpoint, and
# so does an interrupted final training, after its last finished epoch (since 19bf8ec; before, it started again). The
# checkpoints stay in the results folder and are not committed (100+ MB each): on a fresh checkout an interrupted run
# starts again from nothing, and its log says so. LANES lanes (2), THREADS libtorch threads each (1): LANES=1 leaves a
# core to other work.
# The ENAS runs' controller learns with ReinforceOptions.ForWeightSharing (ENAS's settings: what cifar10 --weight-sharing
# uses unless told otherwise; docs/enas-controller.md); CONTROLLER adds controller options to them (e.g. "--controller-lr
# 0.005"). Each run's log ends with its report's per-shared-epoch table (training loss, mean reward, controller entropy).
# Usage: bash bench/run-enas-cifar.sh   Environment: SPACE (bench/space-enas-macro.json), SEARCH_ROWS (10000), SEARCH_MINUTES
# (60: one CPU-hour at one thread), SHARED_EPOCHS (20), WS_CHILDREN (100 scored per shared epoch), FINAL_EPOCHS (5),
# SEEDS ("1 2 3"), METHODS ("enas random-ws separate reference"), DATA (../shared/data/cifar10), OUT (bench/results/enas-cifar),
# CONTROLLER (""), NICE (0), THREADS (1), REUSE_BIN (unset), TRAIN_SIZE and TEST_SIZE (all images; smaller for a smoke run).
# Two more methods serve issue 13's rerun of "Results on the full data sets" (bench/run-results-stages.sh): random-separate
# (Random with every child trained alone, the separate method's budget) and fixed (no search: ARCHITECTURE, a JSON with
# its own settings, trained for the final epochs).
# Summary: python3 bench/enas_cifar_summary.py $OUT
set -euo pipefail
cd "$(dirname "$0")/.."
SPACE=${SPACE:-bench/space-enas-macro.json} SEARCH_ROWS=${SEARCH_ROWS:-10000} SEARCH_MINUTES=${SEARCH_MINUTES:-60}
SHARED_EPOCHS=${SHARED_EPOCHS:-20} WS_CHILDREN=${WS_CHILDREN:-100} FINAL_EPOCHS=${FINAL_EPOCHS:-5}
SEEDS=${SEEDS:-1 2 3} METHODS=${METHODS:-enas random-ws separate reference} DATA=${DATA:-../shared/data/cifar10}
OUT=${OUT:-bench/results/enas-cifar} NICE=${NICE:-0} CONTROLLER=${CONTROLLER:-} LANES=${LANES:-2} THREADS=${THREADS:-1}
TRAIN_SIZE=${TRAIN_SIZE:-} TEST_SIZE=${TEST_SIZE:-} ARCHITECTURE=${ARCHITECTURE:-bench/reference-airbench.json}
mkdir -p "$OUT"
# Checkpoints (100+ MB each) and models stay out of commits; the logs and reports go in.
printf '%s\n' bin/ '*-checkpoint/' model.zip model.onnx > "$OUT/.gitignore"
# Built into the results folder: rebuilding the repository meanwhile cannot touch the running programs, and this script
# never touches the repository's bin folders, which another benchmark may be running from. REUSE_BIN=1 runs the
# existing build instead (a second invocation beside a running one, which a rebuild would pull the files from under);
# each log names the commit its build came from.
if [ -z "${REUSE_BIN:-}" ] || [ ! -f "$OUT/bin/commit.txt" ]; then
  rm -rf "$OUT/bin"
  nice -n "$NICE" dotnet build src/Examples -c Release -m:1 -o "$OUT/bin" -v q -nologo > /dev/null
  echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' + uncommitted changes')" > "$OUT/bin/commit.txt"
fi
export OMP_NUM_THREADS=$THREADS DOTNET_PROCESSOR_COUNT=$THREADS

arguments() { # method seed -> the cifar10 arguments of that run
  local data="--data-dir $DATA --final-epochs $FINAL_EPOCHS --seed $2${TRAIN_SIZE:+ --train-size $TRAIN_SIZE}${TEST_SIZE:+ --test-size $TEST_SIZE}"
  local common="$data --space $SPACE --search-size $SEARCH_ROWS"
  case $1 in
    # Without the space's references among the final candidates: the methods' own winners are compared, and the
    # references have a method of their own.
    enas)      echo "$common --weight-sharing --strategy reinforce --shared-epochs $SHARED_EPOCHS --trials $WS_CHILDREN --max-minutes $SEARCH_MINUTES --no-references $CONTROLLER" ;;
    random-ws) echo "$common --weight-sharing --strategy random --shared-epochs $SHARED_EPOCHS --trials $WS_CHILDREN --max-minutes $SEARCH_MINUTES --no-references" ;;
    separate)  echo "$common --strategy reinforce --children-per-update 2 --trial-epochs 1 --trials 10000 --max-minutes $SEARCH_MINUTES --no-references" ;;
    random-separate) echo "$common --strategy random --trial-epochs 1 --trials 10000 --max-minutes $SEARCH_MINUTES --no-references" ;;
    fixed)     echo "$data --architecture $ARCHITECTURE" ;;
    # The space's references (plain and dense 3x3 stacks) are a search's first trials; two trials = only them.
    reference) echo "$common --strategy random --trial-epochs 1 --trials 2" ;;
    *) echo "unknown method $1" >&2; exit 2 ;;
  esac
}

run() { # method seed
  local name="$1-seed$2" log="$OUT/$1-seed$2.log"
  if grep -q '^finished ' "$log" 2>/dev/null; then echo "skip $name (finished)"; return; fi
  if grep -q '^started ' "$log" 2>/dev/null && [ ! -d "$OUT/$name-checkpoint" ]; then
    echo "checkpoint $OUT/$name-checkpoint missing (a fresh checkout): this run starts again from nothing" >> "$log"; fi
  { echo "commit $(cat "$OUT/bin/commit.txt") (the build's; repository at $(git rev-parse --short HEAD))"
    echo "started $(date -u +%FT%TZ) $(arguments "$1" "$2") threads $THREADS"; uptime; ps -eo ni=,pcpu=,comm= --sort=-pcpu | head -6; } >> "$log"
  /usr/bin/time -v nice -n "$NICE" dotnet "$OUT/bin/Examples.dll" cifar10 $(arguments "$1" "$2") \
    --checkpoint "$OUT/$name-checkpoint" --out "$OUT/$name-out" >> "$log" 2>&1
  { echo "finished $(date -u +%FT%TZ)"; uptime
    sed -n '/^## Weight sharing/,/^Derived children/p' "$OUT/$name-out/report/summary.md" 2>/dev/null | grep '^|' || true; } >> "$log"
  echo "$(date -u +%T) $name: $(grep 'test accuracy' "$log" | tail -1)"
}

jobs=()
for seed in $SEEDS; do for method in $METHODS; do jobs+=("$method $seed"); done; done
lane() { local i; for ((i = $1; i < ${#jobs[@]}; i += LANES)); do run ${jobs[$i]}; done; }
for ((l = 0; l < LANES; l++)); do lane "$l" & done
wait
python3 bench/enas_cifar_summary.py "$OUT"
