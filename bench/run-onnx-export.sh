#!/usr/bin/env bash
# BENCHMARKS.md "ONNX export": runs the main job (src/Examples cifar10 with its defaults, on testdata), which saves the
# model zip and its ConvertToOnnx export; scores the full CIFAR-10 test split with both (bench/Experiments
# onnx-agreement); publishes the ONNX deployment sample and the TorchSharp example app for linux-x64 and sizes them.
# Usage: bash bench/run-onnx-export.sh [CIFAR10_DIR (default ../shared/data/cifar10)] [cifar10 options...]
#   e.g. bash bench/run-onnx-export.sh ../shared/data/cifar10 --trials 2 --final-epochs 2   (a shorter main job)
# Log: bench/results/onnx-export/onnx-export.log
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/cifar10}
shift || true
results=bench/results/onnx-export
mkdir -p "$results"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  echo "== $(date -u '+%Y-%m-%d %H:%M UTC') $(nproc) cores, $(git rev-parse --short HEAD)"
  echo "== load and top processes at start (the machine is shared):"; uptime; ps -eo pcpu,comm --sort=-pcpu | head -6
  dotnet build src/Examples -c Release -v q -nologo >/dev/null
  dotnet build bench/Experiments -c Release -v q -nologo >/dev/null
  echo "== main job: src/Examples cifar10 on testdata, options: ${*:-(defaults)}"
  dotnet src/Examples/bin/Release/net10.0/Examples.dll cifar10 --out "$work/main" "$@" | grep -E "best architecture|test accuracy|exported|search \+ final"
  echo "== onnx-agreement on $data"
  dotnet bench/Experiments/bin/Release/net10.0/Experiments.dll onnx-agreement --data-dir "$data" \
    --model "$work/main/model.zip" --onnx "$work/main/model.onnx"
  echo "== deployment size: dotnet publish -c Release -r linux-x64 --self-contained false"
  dotnet publish src/Examples.OnnxScoring -c Release -r linux-x64 --self-contained false -o "$work/pub-onnx" -v q -nologo >/dev/null
  dotnet publish src/Examples -c Release -r linux-x64 --self-contained false -o "$work/pub-torch" -v q -nologo >/dev/null
  echo "SIZE onnx_sample_bytes=$(du -sb "$work/pub-onnx" | cut -f1) torch_app_bytes=$(du -sb "$work/pub-torch" | cut -f1)"
  echo "SIZE onnx_sample_torch_files=$(find "$work/pub-onnx" -iname '*torch*' | wc -l) largest:"; (cd "$work/pub-onnx" && du -b ./* | sort -rn | head -3)
  echo "== load and top processes at end:"; uptime; ps -eo pcpu,comm --sort=-pcpu | head -6
} 2>&1 | tee "$results/onnx-export.log"
