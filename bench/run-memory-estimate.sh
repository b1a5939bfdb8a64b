#!/usr/bin/env bash
# The memory screen's estimate (MaxMemoryPerChild is checked against it) next to the measured growth of the peak
# resident set while one child trains (bench/Experiments "memory-estimate"), one child per process: a tiny CNN (what
# any first training costs), the plain 6x64 3x3 reference CNN at batch 32 and 128, the dense one (every layer reads
# every earlier layer) at 64, and the LSTM-equivalent reference
# cell language model (hidden 200, PTB testdata vocabulary) at batch 20 and 80. One libtorch thread.
# Usage: bash bench/run-memory-estimate.sh   Environment: NICE (19).
# Output: bench/results/memory-estimate/<UTC stamp>/memory-estimate.log and machine.txt (what else ran, from ps).
set -euo pipefail
cd "$(dirname "$0")/.."
NICE=${NICE:-19}
OUT=bench/results/memory-estimate/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
nice -n "$NICE" dotnet build bench/Experiments -c Release -m:1 -v q -nologo > /dev/null
{ echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/Experiments || echo ' + uncommitted changes')"
  echo "OMP_NUM_THREADS=1 nice $NICE"; grep -m1 'model name' /proc/cpuinfo; nproc; } > "$OUT/machine.txt"
LOG="$OUT/memory-estimate.log"
{ echo "started $(date -u +%FT%TZ)"; uptime; ps -eo ni=,pcpu=,rss=,comm= --sort=-pcpu | head -8; } > "$LOG"
run() { echo "== $*" >> "$LOG"; OMP_NUM_THREADS=1 nice -n "$NICE" dotnet bench/Experiments/bin/Release/net10.0/Experiments.dll memory-estimate "$@" >> "$LOG" 2>&1; }
run --model cnn --layers 1 --filters 8 --batch-size 32
run --model cnn --layers 6 --filters 64 --batch-size 32
run --model cnn --layers 6 --filters 64 --batch-size 128
run --model cnn --architecture bench/reference-cnn-dense.json --batch-size 64
run --model lm --hidden 200 --batch-size 20
run --model lm --hidden 200 --batch-size 80
{ echo "finished $(date -u +%FT%TZ)"; uptime; } >> "$LOG"
grep RESULT "$LOG"
echo "log in $OUT"
