#!/usr/bin/env bash
# Training/inference speed of an airbench94-shaped CNN: TorchSharp 0.107 / libtorch 2.10 (bench/AirbenchThroughput)
# next to PyTorch 1.13 (Debian's python3-torch, bench/airbench_peer.py), same network, recipe, random data, threads,
# batch; C# and Python runs alternate so that drift in machine load hits both. Every run is wrapped in
# /usr/bin/time -v; logs and a summary go to bench/results/airbench-throughput/<UTC time>/ (or $OUT/<UTC time>).
#
# Needs: apt-get install -y python3-torch libjemalloc2
# Usage: bash bench/run-airbench-throughput.sh [section ...]
#   sections: variants inference allocator dispose first-epoch numerics (the default, ~25 minutes on the shared
#   machine), and the extras threads1 (the variants on one libtorch thread), combined (channels-last and bf16 with the
#   allocator setting and eager disposal, 1 and 2 threads) and library-first-epoch (bench/CnnThroughput, CIFAR-10 in
#   $DATA/cifar10).
# Environment: THREADS (2), STEPS/EPOCHS of the batch-512 training runs (2/3), IMAGES per inference batch size (1500).
set -uo pipefail
cd "$(dirname "$0")/.."
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="${OUT:-bench/results/airbench-throughput}/$stamp"
threads="${THREADS:-2}"
steps="${STEPS:-2}"
epochs="${EPOCHS:-3}"
images="${IMAGES:-1500}"
sections=("$@")
[ ${#sections[@]} -eq 0 ] && sections=(variants inference allocator dispose first-epoch numerics)
export OMP_WAIT_POLICY=PASSIVE
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
tunables="glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184"
mkdir -p "$out"
dotnet build -c Release bench/AirbenchThroughput -v q --nologo >/dev/null || { echo "build failed"; exit 1; }
cs="dotnet bench/AirbenchThroughput/bin/Release/net10.0/AirbenchThroughput.dll"
py="/usr/bin/python3 bench/airbench_peer.py"
n=0

load() { # what else runs on the machine
  echo "== $1 $(date -u +%FT%TZ): $(uptime)"
  top -bn1 -w 200 | sed -n '7,14p'
}

# run NAME [VAR=VALUE ...] -- COMMAND ...: one measured process, log in $out/NN-NAME.log (+ .time from time -v)
run() {
  local name="$1"; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  n=$((n + 1))
  local log="$out/$(printf %02d $n)-$name.log"
  echo "-- $(date -u +%T) $name: ${envs[*]} $*" | tee "$log"
  local t=(--threads "$threads" --tag "$name"); [[ " $* " == *" --threads "* ]] && t=(--tag "$name")
  [[ "$name" == lib-* ]] && t=() # bench/CnnThroughput: positional arguments only
  env "${envs[@]}" /usr/bin/time -v -o "$log.time" "$@" "${t[@]}" >>"$log" 2>&1
  [[ "$name" == lib-* ]] && grep -E "^augment" "$log" | sed 's/^/   LIB /'
  grep -E "^RESULT" "$log" | sed 's/^/   /'
  awk -F': ' '/Maximum resident/{r=$2} /Minor/{f=$2} /System time/{s=$2} /User time/{u=$2} /Elapsed/{e=$2}
    END{printf "   TIME max_rss_mib=%.0f minor_faults=%s system_s=%s user_s=%s wall=%s\n", r/1024, f, s, u, e}' "$log.time" | tee -a "$log"
}

{
load start
for section in "${sections[@]}"; do
  case "$section" in
  variants) # (a) fp32 NCHW, (b) channels-last, (c) bf16, (d) channels-last + bf16; batch 512
    for v in fp32 cl bf16 cl-bf16; do
      run "cs-train-$v" -- $cs train --variant "$v" --steps "$steps" --epochs "$epochs"
      run "py-train-$v" -- $py train --variant "$v" --steps "$steps" --epochs "$epochs"
    done
    run "cs-train-bf16-bn32" -- $cs train --variant bf16-bn32 --steps "$steps" --epochs "$epochs"
    ;;
  inference) # (a) at batch 64/256/500
    run cs-infer-fp32 -- $cs infer --variant fp32 --images "$images"
    run py-infer-fp32 -- $py infer --variant fp32 --images "$images"
    run cs-infer-cl -- $cs infer --variant cl --images "$images"
    run py-infer-cl -- $py infer --variant cl --images "$images"
    ;;
  allocator) # glibc default vs jemalloc vs GLIBC_TUNABLES vs mallopt from inside the process
    for mode in train infer; do
      extra=(--steps "$steps" --epochs "$epochs"); [ $mode = infer ] && extra=(--images "$images")
      run "cs-$mode-glibc" -- $cs $mode --variant fp32 "${extra[@]}"
      run "cs-$mode-jemalloc" LD_PRELOAD=$jemalloc MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 -- $cs $mode --variant fp32 "${extra[@]}"
      run "cs-$mode-tunables" GLIBC_TUNABLES=$tunables -- $cs $mode --variant fp32 "${extra[@]}"
      run "cs-$mode-mallopt" -- $cs $mode --variant fp32 --mallopt "${extra[@]}"
      run "py-$mode-tunables" GLIBC_TUNABLES=$tunables -- $py $mode --variant fp32 "${extra[@]}"
    done
    ;;
  dispose) # intermediates held by the batch's dispose scope vs disposed as they die vs a scope per conv group
    for alloc in glibc mallopt; do
      flag=(); [ $alloc = mallopt ] && flag=(--mallopt)
      for d in scope eager block; do
        run "cs-infer-dispose-$d-$alloc" -- $cs infer --variant fp32 --dispose $d --images "$images" "${flag[@]}"
      done
    done
    # training: autograd keeps what backward needs either way; the scope also keeps the rest until the step ends
    for alloc in glibc mallopt jemalloc; do
      flag=(); envs=(OMP_WAIT_POLICY=PASSIVE); [ $alloc = mallopt ] && flag=(--mallopt)
      [ $alloc = jemalloc ] && envs=(LD_PRELOAD=$jemalloc MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1)
      for d in scope eager; do
        run "cs-train-dispose-$d-$alloc" "${envs[@]}" -- $cs train --variant fp32 --dispose $d --steps 3 --epochs 3 "${flag[@]}"
      done
    done
    ;;
  combined) # not in the default list: the measures together (allocator setting, eager disposal, layout, bf16)
    for t in 1 2; do
      for v in cl cl-bf16; do
        run "cs-train-$v-t$t-mallopt-eager" -- $cs train --variant "$v" --steps "$steps" --epochs "$epochs" --threads $t --mallopt --dispose eager
        run "py-train-$v-t$t-tunables" GLIBC_TUNABLES=$tunables -- $py train --variant "$v" --steps "$steps" --epochs "$epochs" --threads $t
      done
    done
    ;;
  numerics) # bf16 / channels-last against float32: logits, loss and gradients of one step, same weights and batch
    run cs-numerics -- $cs numerics
    run py-numerics -- $py numerics
    ;;
  first-epoch) # batch 64 (the library's batch): per-step times and faults of the first epochs
    fe=(--variant fp32 --batch 64 --steps 12 --epochs 4)
    run cs-first-default -- $cs train "${fe[@]}"
    run py-first-default -- $py train "${fe[@]}"
    run cs-first-tc0 DOTNET_TieredCompilation=0 -- $cs train "${fe[@]}"
    run cs-first-pgo0 DOTNET_TieredPGO=0 -- $cs train "${fe[@]}"
    run cs-first-r2r0 DOTNET_ReadyToRun=0 -- $cs train "${fe[@]}"
    run cs-first-warmup1 -- $cs train "${fe[@]}" --warmup 1
    run cs-first-mallopt -- $cs train "${fe[@]}" --mallopt
    run cs-first-mallopt-warmup1 -- $cs train "${fe[@]}" --mallopt --warmup 1
    run py-first-tunables GLIBC_TUNABLES=$tunables -- $py train "${fe[@]}"
    ;;
  threads1) # not in the default list: the variants on one libtorch thread (no cross-thread reductions in oneDNN)
    for v in fp32 cl bf16 cl-bf16; do
      run "cs-train-$v-t1" -- $cs train --variant "$v" --steps "$steps" --epochs "$epochs" --threads 1
      run "py-train-$v-t1" -- $py train --variant "$v" --steps "$steps" --epochs "$epochs" --threads 1
    done
    run "cs-train-bf16-bn32-t1" -- $cs train --variant bf16-bn32 --steps "$steps" --epochs "$epochs" --threads 1
    ;;
  library-first-epoch) # not in the default list: the library's own trainer (bench/CnnThroughput, CIFAR-10 in $DATA,
    # 3000 images, batch 64, augmentation on, then off): the first training of a process against the second
    dotnet build -c Release bench/CnnThroughput -v q --nologo >/dev/null
    lib="dotnet bench/CnnThroughput/bin/Release/net10.0/CnnThroughput.dll ${DATA:-../shared/data}/cifar10 3000 $threads 128 train"
    run lib-default -- $lib
    run lib-tc0 DOTNET_TieredCompilation=0 -- $lib
    run lib-pgo0 DOTNET_TieredPGO=0 -- $lib
    run lib-tunables GLIBC_TUNABLES=$tunables -- $lib
    run lib-jemalloc LD_PRELOAD=$jemalloc MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 -- $lib
    run lib-default-2 -- $lib
    ;;
  *) echo "unknown section $section" ;;
  esac
done
load end
} 2>&1 | tee "$out/run.txt"
grep -h -E "^(-- |   RESULT|   TIME|   LIB)" "$out/run.txt" >"$out/summary.txt"
echo "logs: $out/run.txt (all), $out/NN-*.log (+ .time: /usr/bin/time -v), $out/summary.txt"
