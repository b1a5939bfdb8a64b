#!/usr/bin/env bash
# Issue 12: does the Reinforce controller learn from shared-weight rewards, with the weight-sharing preset
# (ReinforceOptions.ForWeightSharing) and with Zoph & Le's defaults? Runs the synthetic tests that answer it
# (ControllerLearningTests: mean sampled reward and entropy per shared epoch, seed 1; SkipPenaltyTests) and keeps their
# printed measurements. Usage: bash bench/run-controller-learning.sh   Environment: NICE (19).
# Output: bench/results/controller-learning/<UTC stamp>.log (commit, machine load, the tests' output).
set -euo pipefail
cd "$(dirname "$0")/.."
NICE=${NICE:-19}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
mkdir -p bench/results/controller-learning
LOG=bench/results/controller-learning/$(date -u +%Y%m%dT%H%M%SZ).log
nice -n "$NICE" dotnet build tests/Microsoft.ML.ArchitectureSearch.Tests -c Release -m:1 -v q -nologo > /dev/null
{ echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src tests || echo ' + uncommitted changes')"
  echo "started $(date -u +%FT%TZ), nice $NICE, OMP_NUM_THREADS=$OMP_NUM_THREADS"; grep -m1 "model name" /proc/cpuinfo; uptime
  ps -eo ni=,pcpu=,comm= --sort=-pcpu | head -6; } > "$LOG"
nice -n "$NICE" dotnet test tests/Microsoft.ML.ArchitectureSearch.Tests -c Release --no-build \
  --filter "FullyQualifiedName~ControllerLearningTests|FullyQualifiedName~SkipPenaltyTests" --logger "console;verbosity=detailed" \
  | grep -E "^\s*(Passed|Failed|Skipped) |preset|defaults|with the penalty|Total tests|Passed:|Failed:" >> "$LOG"
{ echo "finished $(date -u +%FT%TZ)"; uptime; } >> "$LOG"
cat "$LOG"
