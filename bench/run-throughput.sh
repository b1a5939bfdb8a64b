#!/usr/bin/env bash
# Child-training throughput of this library (TorchSharp 0.107 / libtorch 2.10 CPU) next to PyTorch 1.13 (Debian's
# python3-torch with OpenBLAS pthread), same network, same data, same thread count, interleaved in one run.
# Needs ../shared/data (full CIFAR-10 and PTB) and: apt-get install -y python3-torch libopenblas0-pthread
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data}"
threads="${2:-2}"
export OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1
dotnet build -c Release bench/CnnThroughput -v q --nologo >/dev/null
dotnet build -c Release bench/LanguageModelThroughput -v q --nologo >/dev/null
for round in 1 2; do
  echo "== round $round: CNN child (6 layers 3x3x36 + skips), batch 64, 3000 images, $threads threads"
  dotnet bench/CnnThroughput/bin/Release/net10.0/CnnThroughput.dll "$data/cifar10" 3000 "$threads" 128 train | tail -n 3
  /usr/bin/python3 bench/cnn_throughput.py "$data/cifar10" 3000 "$threads" | tail -n 3
  echo "== round $round: 2x200 LSTM LM and 8-leaf searched cell, vocab 10k, batch 20, bptt 35, $threads threads"
  dotnet bench/LanguageModelThroughput/bin/Release/net10.0/LanguageModelThroughput.dll "$data/ptb" "$threads" 30 | tail -n 4
  /usr/bin/python3 bench/ptb_lstm_peer.py "$data/ptb" "$threads" 30 | tail -n 3
done
