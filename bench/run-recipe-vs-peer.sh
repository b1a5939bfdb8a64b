#!/usr/bin/env bash
# The airbench-like reference (bench/reference-airbench.json) trained with one recipe by this library
# (bench/Experiments cifar-recipe) and by its PyTorch peer (bench/airbench_recipe_peer.py, Debian's python3-torch), same
# data, network, recipe, threads and batch, alternating C# and Python per compute variant so that drift in machine load
# hits both. Every run is wrapped in /usr/bin/time -v; logs and summary.txt go to
# bench/results/recipe-vs-peer/<UTC time>/.
# Needs: apt-get install -y python3-torch
# Usage: bash bench/run-recipe-vs-peer.sh EPOCHS TRAIN_SIZE RECIPE VARIANT...   e.g. bash bench/run-recipe-vs-peer.sh 1 25600 airbench fp32 cl bf16 cl-bf16
# Environment: DATA (../shared/data/cifar10), TEST_SIZE (10000), THREADS (2).
set -uo pipefail
cd "$(dirname "$0")/.."
epochs=$1 train=$2 recipe=$3; shift 3
DATA=${DATA:-../shared/data/cifar10}
test=${TEST_SIZE:-10000}
threads=${THREADS:-2}
out="bench/results/recipe-vs-peer/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
dotnet build bench/Experiments -c Release -v q -nologo > /dev/null || { echo "build failed"; exit 1; }
bin=$(mktemp -d)
cp -r bench/Experiments/bin/Release/net10.0/. "$bin"
trap 'rm -rf "$bin"' EXIT
export OMP_WAIT_POLICY=PASSIVE
{
  echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo ' + uncommitted changes'); $(uptime)"
  echo "epochs $epochs, training images $train, test images $test, recipe $recipe, threads $threads"
} | tee "$out/summary.txt"
n=0
run() { # NAME COMMAND...
  local name=$1; shift
  n=$((n + 1))
  local log="$out/$(printf %02d $n)-$name.log"
  echo "-- $(date -u +%T) $name: $*; $(uptime)" | tee -a "$out/summary.txt" > "$log"
  /usr/bin/time -v -o "$log.time" "$@" >> "$log" 2>&1
  grep -E "^RESULT" "$log" | sed 's/^/   /' | tee -a "$out/summary.txt"
  awk -F': ' '/Maximum resident/{printf "   TIME max_rss_mib=%.0f\n", $2/1024}' "$log.time" | tee -a "$out/summary.txt"
}
for variant in "$@"; do
  # TorchSharp has no thread setting on the command line: libtorch takes its threads from OMP_NUM_THREADS.
  run "cs-$variant" env OMP_NUM_THREADS="$threads" dotnet "$bin/Experiments.dll" cifar-recipe --data-dir "$DATA" --architecture bench/reference-airbench.json \
    --epochs "$epochs" --train-size "$train" --test-size "$test" --recipe "$recipe" --compute "$variant"
  run "py-$variant" /usr/bin/python3 bench/airbench_recipe_peer.py --data-dir "$DATA" --epochs "$epochs" --train-size "$train" \
    --test-size "$test" --recipe "$recipe" --variant "$variant" --threads "$threads"
done
echo "logs: $out"
