#!/usr/bin/env bash
# Checks the ONNX deployment route end to end on testdata/: src/Examples trains a tiny CIFAR-10 model and exports the
# fitted pipeline with mlContext.Model.ConvertToOnnx; src/Examples.OnnxScoring (ML.NET + ONNX Runtime only) must have
# no TorchSharp or libtorch in its output folder and must score the test images to the same accuracy as the TorchSharp
# transformer did. About a minute on 2 cores.
# Usage: bash scripts/check-onnx-sample.sh   (exits non-zero when a check fails)
set -uo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Examples -c Release -v q -nologo >/dev/null || { echo "build of src/Examples failed" >&2; exit 1; }
dotnet build src/Examples.OnnxScoring -c Release -v q -nologo >/dev/null || { echo "build of src/Examples.OnnxScoring failed" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
passed=0 failed=0
check() { # NAME CONDITION-EXIT-CODE
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}

dotnet src/Examples/bin/Release/net10.0/Examples.dll cifar10 --trials 1 --trial-epochs 1 --final-epochs 1 --layers 2 \
  --train-size 300 --out "$out" >"$out/train.log" 2>&1
check "src/Examples trains and exports $out/model.onnx" $([ -s "$out/model.onnx" ]; echo $?)

torch=$(find src/Examples.OnnxScoring/bin/Release/net10.0 -iname '*torch*')
check "no TorchSharp or libtorch in src/Examples.OnnxScoring's output folder" $([ -z "$torch" ]; echo $?)
[ -z "$torch" ] || echo "$torch" | head -5

dotnet src/Examples.OnnxScoring/bin/Release/net10.0/Examples.OnnxScoring.dll "$out/model.onnx" testdata/cifar10 >"$out/onnx.log" 2>&1
check "src/Examples.OnnxScoring scores the test images" $?
expected=$(grep -oP '^test accuracy \K[0-9.]+' "$out/train.log")
actual=$(grep -oP '^test accuracy \K[0-9.]+' "$out/onnx.log")
check "ONNX Runtime's test accuracy ($actual) is the TorchSharp transformer's ($expected)" $([ -n "$expected" ] && [ "$expected" = "$actual" ]; echo $?)
if [ "$failed" -ne 0 ]; then sed 's/^/     | /' "$out/train.log" | tail -20; sed 's/^/     | /' "$out/onnx.log" | tail -20; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
