#!/usr/bin/env bash
# Does bfloat16 training pay on this CPU? Trains the airbench94-shaped probe network (bench/AirbenchThroughput, and
# PyTorch's bench/airbench_peer.py when python3-torch is installed) in channels-last float32 and channels-last bfloat16,
# one libtorch thread, small batches; prints images/s of each and the CPU's bf16 flags. On a CPU without avx512_bf16 /
# amx_bf16 oneDNN emulates bfloat16 (the reason for Training/Cnn/ComputePrecision.cs).
# Usage: bash bench/run-bf16-emulation.sh   Environment: BATCH (128), STEPS (2) per epoch, 2 epochs (the second is the steady state).
# Output: bench/results/bf16-emulation/<UTC stamp>/*.log and summary.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
BATCH=${BATCH:-128} STEPS=${STEPS:-2}
out=bench/results/bf16-emulation/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
dotnet build -c Release bench/AirbenchThroughput -v q --nologo > /dev/null || { echo "build failed"; exit 1; }
{ grep -m1 'model name' /proc/cpuinfo; echo "bf16 flags: $(grep -m1 -o -w -E 'avx512_bf16|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')"; uptime; } > "$out/machine.txt"
for v in cl cl-bf16; do
  dotnet bench/AirbenchThroughput/bin/Release/net10.0/AirbenchThroughput.dll train --variant $v --batch "$BATCH" \
    --steps "$STEPS" --epochs 2 --warmup 1 --threads 1 --tag "cs-$v" > "$out/cs-$v.log" 2>&1
  if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    OMP_NUM_THREADS=1 /usr/bin/python3 bench/airbench_peer.py train --variant $v --batch "$BATCH" --steps "$STEPS" \
      --epochs 2 --warmup 1 --threads 1 --tag "py-$v" > "$out/py-$v.log" 2>&1
  fi
done
{ cat "$out/machine.txt"; grep -h '^RESULT' "$out"/*.log; } > "$out/summary.txt"
cat "$out/summary.txt"
