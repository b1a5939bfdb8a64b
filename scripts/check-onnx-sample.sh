#!/usr/bin/env bash
# Checks the ONNX deployment route end to end on testdata/: src/Examples trains a tiny CIFAR-10 model and exports the
# fitted pipeline with mlContext.Model.ConvertToOnnx; src/Examples.OnnxScoring (ML.NET + ONNX Runtime only) must have
# no TorchSharp or libtorch in its output folder and must score the test images to the same accuracy as the TorchSharp
# transformer did. Then the same for a language model: src/Examples' ptb command trains a tiny model and writes its
# one-step graph with SaveAsOnnx; src/Examples.OnnxScoring's ptb mode (its OnnxLanguageModel driver on ONNX Runtime)
# must give the transformer's test perplexity to 1e-3 relative. About two minutes on 2 cores.
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

before=$failed
dotnet src/Examples/bin/Release/net10.0/Examples.dll ptb --trials 1 --trial-epochs 1 --final-epochs 1 --hidden 32 \
  --train-size 300 --valid-size 50 --test-size 200 --out "$out/ptb" >"$out/ptb-train.log" 2>&1
check "src/Examples trains a language model and writes $out/ptb/model.onnx" $([ -s "$out/ptb/model.onnx" ]; echo $?)
dotnet src/Examples.OnnxScoring/bin/Release/net10.0/Examples.OnnxScoring.dll ptb "$out/ptb/model.onnx" testdata/ptb/ptb.test.txt 200 \
  >"$out/ptb-onnx.log" 2>&1
check "src/Examples.OnnxScoring ptb scores the test sentences" $?
expected=$(grep -oP 'test perplexity \K[0-9.]+' "$out/ptb-train.log")
actual=$(grep -oP '^test perplexity \K[0-9.]+' "$out/ptb-onnx.log")
agree=$(awk -v a="$actual" -v e="$expected" 'BEGIN { d = a - e; if (d < 0) d = -d; print (e > 0 && a != "" && d / e < 1e-3) ? 0 : 1 }')
check "ONNX Runtime's test perplexity ($actual) is the TorchSharp transformer's ($expected) to 1e-3 relative" "$agree"
if [ "$failed" -ne "$before" ]; then sed 's/^/     | /' "$out/ptb-train.log" | tail -20; sed 's/^/     | /' "$out/ptb-onnx.log" | tail -20; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
