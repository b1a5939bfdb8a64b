#!/usr/bin/env bash
# Issue 15: the same Random search (TRIALS children of a 4-layer CNN space, one epoch each, on IMAGES CIFAR-10 training
# images) trained four ways, one after another:
#   local     in the process calling Fit, one child at a time, one libtorch thread;
#   worker1   on one Orleans worker process (src/Examples 'worker', one child, one thread);
#   worker2   on two worker processes of one child and one thread each (--parallelism 2);
#   kill      as worker2, with the second worker SIGKILLed mid-child once half the children are trained.
# Every child trains with one libtorch thread, so all four must give the same rewards and the same winner.
# Each process runs under /usr/bin/time -v (CPU seconds) and nice -n 19; load averages before and after each run are
# logged (the machine may be shared). bench/orleans_scaling_summary.py writes summary.txt from the logs.
# Logs: bench/results/orleans-scaling/<UTC time>/.
# Usage: bash bench/run-orleans-scaling.sh [data dir, default ../shared/data] [images, 2000] [trials, 16]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}; IMAGES=${2:-2000}; TRIALS=${3:-16}
OUT=bench/results/orleans-scaling/$(date -u +%Y%m%dT%H%M%SZ); mkdir -p "$OUT"
export OMP_NUM_THREADS=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
nice -n 19 dotnet build -c Release src/Examples -m:1 >"$OUT/build.log" 2>&1
# The runs use a copy of the build, so rebuilding the tree meanwhile does not change what runs.
BIN=$(mktemp -d /tmp/orleans-scaling-bin-XXXXXX); cp -r src/Examples/bin/Release/net10.0/. "$BIN/"
WORK=$(mktemp -d /tmp/orleans-scaling-work-XXXXXX)
WORKERS=()
cleanup() { for pid in "${WORKERS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; rm -rf "$BIN" "$WORK"; }
trap cleanup EXIT
{ lscpu | grep -E "Model name|^CPU\(s\)" ; free -g | head -2; echo "commit $(git rev-parse HEAD)"; echo "images $IMAGES trials $TRIALS"; } >"$OUT/machine.txt"

SEARCH=(cifar10 --data-dir "$DATA/cifar10" --train-size "$IMAGES" --test-size 500 --layers 4 --strategy random
        --trials "$TRIALS" --trial-epochs 1 --final-epochs 1 --no-references --seed 1)
# Ports private to this script, new ones per run: run r's worker i has silo port 23300+10r+i, gateway port 23305+10r+i.
# start_worker RUN R I [PRIMARY_SILO_PORT]: a worker silo under /usr/bin/time; its dotnet pid goes to WORKERS.
start_worker() {
  local run=$1 i=$3 primary=${4:-} silo=$((23300 + 10 * $2 + $3)) gateway=$((23305 + 10 * $2 + $3))
  nice -n 19 /usr/bin/time -v -o "$OUT/$run-w$i.time" dotnet "$BIN/Examples.dll" worker --silo-port "$silo" --gateway-port "$gateway" \
    ${primary:+--primary-port "$primary"} --children 1 --threads-per-child 1 --probe-seconds 2 --name "w$i" \
    --cache-dir "$WORK/$run-w$i" >"$OUT/$run-w$i.log" 2>&1 &
  local timer=$!
  for _ in $(seq 1 100); do pgrep -P "$timer" >/dev/null && break; sleep 0.1; done
  WORKERS+=("$(pgrep -P "$timer")")
  for _ in $(seq 1 120); do grep -q "worker ready" "$OUT/$run-w$i.log" && return 0; sleep 1; done
  echo "worker $i of $run did not start" >&2; cat "$OUT/$run-w$i.log" >&2; exit 1
}

# coordinator RUN ARGS...: the search itself under /usr/bin/time, load averages around it.
coordinator() {
  local run=$1; shift
  { echo "# $(date -u +%FT%TZ) run $run"; uptime; ps -eo pcpu,comm --sort=-pcpu | head -8; } >"$OUT/$run.log"
  nice -n 19 /usr/bin/time -v -o "$OUT/$run.time" dotnet "$BIN/Examples.dll" "${SEARCH[@]}" --out "$WORK/$run" "$@" >>"$OUT/$run.log" 2>&1
  { echo "# after $(date -u +%FT%TZ)"; uptime; } >>"$OUT/$run.log"
  cp "$WORK/$run/report/history.csv" "$OUT/$run-history.csv"
}

# Workers are stopped with SIGTERM: a background job of a script ignores SIGINT.
stop_workers() { for pid in "${WORKERS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait || true; WORKERS=(); }

coordinator local --parallelism 1

start_worker worker1 1 1
coordinator worker1 --parallelism 1 --orleans 23316
stop_workers

start_worker worker2 2 1; start_worker worker2 2 2 23321
coordinator worker2 --parallelism 2 --orleans 23326 23327
stop_workers

start_worker kill 3 1; start_worker kill 3 2 23331
W2=${WORKERS[1]}
# Once half the children are trained, wait for the second worker to start one and SIGKILL it then (mid-child).
(
  while [ "$(cat "$OUT/kill-w1.log" "$OUT/kill-w2.log" | grep -c "trained child")" -lt $((TRIALS / 2)) ]; do sleep 0.5; done
  while [ "$(grep -c "training child" "$OUT/kill-w2.log")" -le "$(grep -c "trained child" "$OUT/kill-w2.log")" ]; do sleep 0.2; done
  kill -9 "$W2"
  echo "$(date -u +%FT%TZ) SIGKILLed worker w2 (pid $W2) mid-child after $((TRIALS / 2)) children were trained" >"$OUT/kill-event.txt"
) &
WATCHER=$!
coordinator kill --parallelism 2 --orleans 23336 23337
kill "$WATCHER" 2>/dev/null || true # the search ended before the kill happened: the summary says there was no kill
stop_workers

python3 bench/orleans_scaling_summary.py "$OUT" "$TRIALS" | tee "$OUT/summary.txt"
