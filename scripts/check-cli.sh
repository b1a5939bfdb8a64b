#!/usr/bin/env bash
# Checks the command-line contract of src/Examples and bench/Experiments: help exits 0 and lists the commands; an
# unknown option or a bad value is refused with exit code 2 and a message naming it. No training runs.
# Usage: bash scripts/check-cli.sh   (exits non-zero when a check fails)
set -uo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Examples -c Release -v q -nologo >/dev/null || { echo "build of src/Examples failed" >&2; exit 1; }
dotnet build bench/Experiments -c Release -v q -nologo >/dev/null || { echo "build of bench/Experiments failed" >&2; exit 1; }
examples=src/Examples/bin/Release/net10.0/Examples.dll
experiments=bench/Experiments/bin/Release/net10.0/Experiments.dll
passed=0 failed=0

# expect CODE TEXT... -- PROGRAM ARGS...: exit code CODE, and each TEXT in stdout+stderr.
expect() {
  local code=$1; shift
  local texts=()
  while [ "$1" != "--" ]; do texts+=("$1"); shift; done
  shift
  local program=$1; shift
  local output status
  output=$(dotnet "$program" "$@" 2>&1); status=$?
  local problem=""
  [ "$status" -eq "$code" ] || problem="exit code $status, expected $code"
  for text in "${texts[@]}"; do
    grep -qF -- "$text" <<<"$output" || problem="${problem:+$problem; }output lacks '$text'"
  done
  if [ -z "$problem" ]; then
    passed=$((passed + 1)); echo "ok   $(basename "$program" .dll) $*"
  else
    failed=$((failed + 1)); echo "FAIL $(basename "$program" .dll) $*: $problem"; sed 's/^/     | /' <<<"$output" | head -20
  fi
}

expect 0 cifar10 ptb data report worker "--trials" "--checkpoint" -- "$examples" --help
expect 0 cifar10 ptb data report worker -- "$examples"
expect 0 "--silo-port" "--gateway-port" "--primary-port" "--children" "--threads-per-child" "--tls-certificate" -- "$examples" worker --help
expect 0 "--orleans" "--orleans-tls-certificate" -- "$examples" cifar10 --help
expect 0 "--trials" "[default: 8]" "--final-epochs" "[default: 10]" -- "$examples" cifar10 --help
expect 0 "--trials" "[default: 6]" "--steps-per-epoch" -- "$examples" ptb --help
expect 2 "--trails" -- "$examples" cifar10 --trails 3
expect 2 "--trials" "abc" -- "$examples" cifar10 --trials abc
expect 2 "--trials" -- "$examples" cifar10 --trials -1
expect 2 "--strategy" "foo" -- "$examples" cifar10 --strategy foo
expect 2 "--architecture" -- "$examples" cifar10 --architecture /nonexistent/architecture.json
expect 2 "--checkpoint" -- "$examples" report
expect 2 "--space" -- "$examples" cifar10 --space /nonexistent/space.json
expect 2 "--layers has no effect with --space" -- "$examples" cifar10 --space bench/space-enas-macro.json --layers 4
expect 2 "--tls-certificate" "does not exist" -- "$examples" worker --tls-certificate /nonexistent/cluster.pfx
expect 2 "--tls-password needs --tls-certificate" -- "$examples" worker --tls-password secret
expect 2 "--orleans-tls-certificate" "does not exist" -- "$examples" cifar10 --orleans 30000 --orleans-tls-certificate /nonexistent/cluster.pfx
bad=$(mktemp --suffix .json); echo '{"batchSise": 3}' > "$bad"
expect 1 "--training" "not valid CnnTrainingOptions JSON" "batchSise" -- "$examples" cifar10 --training "$bad"
echo '{"layerCount": "six"}' > "$bad"
expect 1 "--space" "not valid CnnSearchSpaceOptions JSON" -- "$examples" cifar10 --space "$bad"
echo '{"optimiser": "Adam"}' > "$bad"
expect 1 "--training" "not valid LanguageModelTrainingOptions JSON" "optimiser" -- "$examples" ptb --training "$bad"
rm -f "$bad"
expect 0 "--objective" "none|parameters|multiply-adds|latency" "--target" "--cost-weight" -- "$examples" cifar10 --help
expect 0 "--objective" "--target" "--cost-weight" "--tie-weights" -- "$examples" ptb --help
expect 2 "fast" "latency" -- "$examples" cifar10 --objective fast --target 2
expect 2 "--objective latency needs --target" -- "$examples" cifar10 --objective latency
expect 2 "--target" "-1" -- "$examples" cifar10 --objective latency --target -1
expect 2 "--cost-weight" "0.5" -- "$examples" cifar10 --objective latency --target 2 --cost-weight 0.5
expect 2 "--target and --cost-weight need --objective" -- "$examples" ptb --target 2
expect 0 lm-defaults -- "$experiments" --help
expect 2 "nosuchcommand" -- "$examples" nosuchcommand
expect 0 ptb-final bench-strategies "--model" -- "$experiments" --help
expect 2 "--epochs" -- "$experiments" ptb-final --model lstm --epochs 0
expect 2 "gru" -- "$experiments" ptb-final --model gru
expect 2 "--architecture" -- "$experiments" ptb-final --model cell
expect 2 "--strategies" "foo" -- "$experiments" bench-strategies --strategies random,foo

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
