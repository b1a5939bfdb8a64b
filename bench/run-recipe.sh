#!/usr/bin/env bash
# Trains the airbench-like reference (bench/reference-airbench.json) on all 50,000 CIFAR-10 training images with a
# recipe and scores the 10,000 test images after every epoch (bench/Experiments cifar-recipe), under /usr/bin/time -v.
# Usage: bash bench/run-recipe.sh NAME EPOCHS [cifar-recipe options...]   e.g. bash bench/run-recipe.sh fast-5 5 --recipe fast
# Log and time file: bench/results/recipe/NAME.log, NAME.time.
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 epochs=$2; shift 2
DATA=${DATA:-../shared/data/cifar10}
OUT=bench/results/recipe
mkdir -p "$OUT"
dotnet build bench/Experiments -c Release -v q -nologo > /dev/null
# Run from a copy, so that rebuilding the repository meanwhile cannot touch the running program.
bin=$(mktemp -d)
cp -r bench/Experiments/bin/Release/net10.0/. "$bin"
trap 'rm -rf "$bin"' EXIT
{ echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/Experiments || echo ' + uncommitted changes'); started $(date -u +%FT%TZ)"; uptime; } > "$OUT/$name.log"
/usr/bin/time -v -o "$OUT/$name.time" dotnet "$bin/Experiments.dll" cifar-recipe --data-dir "$DATA" \
  --architecture bench/reference-airbench.json --epochs "$epochs" "$@" >> "$OUT/$name.log" 2>&1
{ echo "finished $(date -u +%FT%TZ)"; uptime; } >> "$OUT/$name.log"
grep -E "RESULT|Maximum resident" "$OUT/$name.log" "$OUT/$name.time"
