#!/usr/bin/env bash
# TRMKit and seed-kernel benchmark (release build; not part of the test suite). Prints:
#   matmul GFLOP/s at the seed's shapes vs the measured FMA peak, for the target CPU's instruction set;
#   TRMKit module and kernel compile times; the seed TRM and HRM trained on the default Sudoku tier with
#   several training seeds on the same data (validation exact accuracy per seed, mean ± SD, seconds per step,
#   determinism of a second run); where perf works, the GEMM's share of the seed TRM's step and its GFLOP/s
#   there; attention's time per counted FLOP against the MLP mixer's; and, where PyTorch is installed, the
#   same TRM step in PyTorch at one thread, interleaved with TRMKit (A B A B …) and compared by medians.
# Usage: scripts/bench-trmkit.sh [--target-cpu CPU] [--rounds R] [--base REV] [--compare-only] [train_flops] [training seeds…]
#   CPU: -target-cpu for TRMKit and the kernels (default native; znver3 or haswell measure the AVX2 path
#   on an AVX-512 machine). R: TRMKit/PyTorch pairs (default 5). REV: also time the seed TRM against
#   TRMKit as of that git revision in the same rounds (A B C A B C …), for a before/after ratio measured in
#   one run. --compare-only: only the matmul figures and the interleaved rounds (no accuracy per seed,
#   attention or perf sections), for a machine too loaded to run the rest in time. Defaults: 7.5e11 (the
#   default 6x6 tier's budget), training seeds 1 2 3.
set -euo pipefail
cd "$(dirname "$0")/.."
cpu=native rounds=5 base="" compare_only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --target-cpu) cpu="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --base) base="$2"; shift 2 ;;
    --compare-only) compare_only=1; shift ;;
    *) break ;;
  esac
done
flops="${1:-7.5e11}"
shift || true
seeds=("${@:-1 2 3}")
read -r -a seeds <<<"${seeds[*]}"
defines=$(scripts/trmkit-cpu-defines.sh "$cpu")
work="$(mktemp -d /tmp/evolve-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(grep -q avx512f /proc/cpuinfo && echo avx512f || echo 'no avx512f'); target CPU $cpu (${defines:-AVX2 tile}); $(uptime | sed 's/.*load/load/')"

# TRM_BENCH: an already built trm-bench (it only writes data sets and scores), to skip the release build.
bench="${TRM_BENCH:-}"
if [ -z "$bench" ]; then swift build -c release --product trm-bench >/dev/null; bench=.build/release/trm-bench; fi

echo "== compile"
start=$(date +%s.%N)
mapfile -t sources < <(find Sources/TRMKit -name '*.swift' | sort)
mkdir -p "$work/module"
# shellcheck disable=SC2086  # $defines is zero or two words
swiftc -parse-as-library -emit-library -static -emit-module -module-name TRMKit -package-name TRMKitRuntime -wmo -O \
  -target-cpu "$cpu" $defines -emit-module-path "$work/module/TRMKit.swiftmodule" -o "$work/module/libTRMKit.a" "${sources[@]}"
mid=$(date +%s.%N)
kernel() {  # NAME SOURCE_DIR
  swiftc -parse-as-library -O -target-cpu "$cpu" -I "$work/module" -L "$work/module" -lTRMKit \
    -enable-upcoming-feature MemberImportVisibility "$2"/*.swift -o "$work/$1"
}
for seed in trm hrm; do kernel "$seed" "Programs/$seed"; done
end=$(date +%s.%N)
python3 -c "import sys; s,m,e=map(float,sys.argv[1:]); print('TRMKit module (once per run): %.1f s; each seed kernel against it: %.1f s' % (m-s, (e-m)/2))" "$start" "$mid" "$end"
if [ -n "$base" ]; then
  mkdir -p "$work/base-tree" "$work/module-base"
  git archive "$base" Sources/TRMKit | tar -x -C "$work/base-tree"
  mapfile -t base_sources < <(find "$work/base-tree/Sources/TRMKit" -name '*.swift' | sort)
  # shellcheck disable=SC2086
  swiftc -parse-as-library -emit-library -static -emit-module -module-name TRMKit -package-name TRMKitRuntime -wmo -O \
    -target-cpu "$cpu" $defines -emit-module-path "$work/module-base/TRMKit.swiftmodule" -o "$work/module-base/libTRMKit.a" "${base_sources[@]}"
  swiftc -parse-as-library -O -target-cpu "$cpu" -I "$work/module-base" -L "$work/module-base" -lTRMKit \
    -enable-upcoming-feature MemberImportVisibility Programs/trm/*.swift -o "$work/trm-base"
fi
cp -r Programs/trm "$work/src-trm-attention"
sed -i 's/static let useAttention = false/static let useAttention = true /' "$work/src-trm-attention/kernel.swift"
kernel trm-attention "$work/src-trm-attention"

echo "== matmul"
# shellcheck disable=SC2086
swiftc -parse-as-library -O -target-cpu "$cpu" $defines -package-name TRMKitRuntime -I "$work/module" -L "$work/module" -lTRMKit \
  Sources/trm-bench/GEMMBenchmark.swift benchmarks/gemm_main.swift -o "$work/gemm"
"$work/gemm" | tee "$work/gemm.txt"
peak=$(sed -n 's/.*thread CPU time): \([0-9.]*\) GFLOP.*/\1/p' "$work/gemm.txt")

run_kernel() {  # BINARY DIR TRAINING_SEED [data seed 1]
  $bench data "$2" --tier sudoku-6x6 --train-flops "$flops" --seed 1 --training-seed "$3" >/dev/null
  (cd "$2" && "$1" "$2" 2>/dev/null)
}
# Runs a kernel like run_kernel and prints its training's CPU seconds: the run's CPU time (user + system)
# scaled by the share of its wall time spent training (run.json), which leaves out start-up and evaluation.
# CPU time, because a shared machine's load stretches wall time unevenly from one run to the next.
train_cpu_seconds() {  # BINARY DIR TRAINING_SEED
  $bench data "$2" --tier sudoku-6x6 --train-flops "$flops" --seed 1 --training-seed "$3" >/dev/null
  python3 - "$1" "$2" <<'PY'
import json, resource, subprocess, sys
binary, d = sys.argv[1:]
subprocess.run([binary, d], cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
run = json.load(open(d + "/out/run.json"))
print((usage.ru_utime + usage.ru_stime) * run["train_seconds"] / run["wall_seconds"])
PY
}
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

if [ -z "$compare_only" ]; then
echo "== training on sudoku-6x6-minimal (data seed 1), $flops train FLOPs, training seeds ${seeds[*]}"
for seed in trm hrm; do
  for s in "${seeds[@]}" repeat; do
    t=$s; [ "$s" = repeat ] && t=${seeds[0]}
    run_kernel "$work/$seed" "$work/$seed-$s" "$t"
    [ "$s" = repeat ] || printf "%s training seed %s: %s\n" "$seed" "$s" "$($bench score "$work/$seed-$s")"
  done
  same=$(cmp -s "$work/$seed-${seeds[0]}/out/predictions.jsonl" "$work/$seed-repeat/out/predictions.jsonl" && echo identical || echo DIFFERENT)
  python3 - "$seed" "$same" "$work" "${seeds[@]}" <<'PY'
import json, statistics, sys
name, same, work, seeds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
exact, per_step, steps = [], [], []
for s in seeds:
    d = f"{work}/{name}-{s}"
    labels = {json.loads(l)["id"]: json.loads(l)["label"] for l in open(d + "/labels.jsonl")}
    out = {json.loads(l)["id"]: json.loads(l)["output"] for l in open(d + "/out/predictions.jsonl")}
    exact.append(sum(out.get(i) == l for i, l in labels.items()) / len(labels))
    run = json.load(open(d + "/out/run.json"))
    per_step.append(run["train_seconds"] / max(run["steps"], 1)); steps.append(run["steps"])
sd = statistics.stdev(exact) if len(exact) > 1 else 0.0
print(f"{name}: validation exact {statistics.mean(exact):.3f} ± {sd:.3f} (SD over {len(seeds)} training seeds; exact-match to the stored label); "
      f"{statistics.mean(per_step):.4f} s/step; {steps[0]} steps; second run of seed {seeds[0]}: {same}")
PY
done

echo "== attention against the MLP mixer (seed TRM, training seed ${seeds[0]}; training CPU s per counted train FLOP)"
attention_cpu=$(train_cpu_seconds "$work/trm-attention" "$work/attention" "${seeds[0]}")
mixer_cpu=$(train_cpu_seconds "$work/trm" "$work/mixer" "${seeds[0]}")
python3 -c "import sys; a,af,m,mf=map(float,sys.argv[1:]); print('attention %.3g s per GFLOP, MLP mixer %.3g s per GFLOP: attention at %.2fx the mixer' % (a/af*1e9, m/mf*1e9, (a/af)/(m/mf)))" \
  "$attention_cpu" "$(field "$work/attention/out/run.json" train_flops)" "$mixer_cpu" "$(field "$work/mixer/out/run.json" train_flops)"

echo "== GEMM inside the seed TRM's step (perf, cpu-clock samples)"
if perf record -e cpu-clock -o "$work/perf.data" -- true >/dev/null 2>&1; then
  $bench data "$work/profiled" --tier sudoku-6x6 --train-flops "$flops" --seed 1 --training-seed "${seeds[0]}" >/dev/null
  # CPU seconds of the profiled run (perf waits for the kernel, so its children's usage is the kernel's).
  cpu=$(cd "$work/profiled" && python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(u.ru_utime + u.ru_stime)' perf record -q -e cpu-clock -o "$work/perf.data" -- "$work/trm" "$work/profiled")
  perf report -i "$work/perf.data" --no-children --sort symbol --stdio 2>/dev/null | grep -E '^ +[0-9]' > "$work/profile.txt" || true
  echo "hottest symbols (% of samples, whole process including evaluation):"
  head -12 "$work/profile.txt" | sed 's/^/  /' | cut -c1-150
  python3 - "$work/profile.txt" "$work/profiled/out/run.json" "$peak" "$cpu" <<'PY'
import json, re, sys
share = 0.0
for line in open(sys.argv[1]):
    m = re.match(r"\s*([0-9.]+)%\s+\S+\s+(.*)", line)
    if m and re.search(r"GEMM|4Tile", m.group(2)):
        share += float(m.group(1)) / 100
run = json.load(open(sys.argv[2]))
peak, total = float(sys.argv[3]), float(sys.argv[4])
dense = run["train_dense_flops"] + run["eval_dense_flops"]
gemm_seconds = share * total
rate = dense / gemm_seconds / 1e9 if gemm_seconds > 0 else float("nan")
print(f"GEMM: {100 * share:.1f}% of the samples of {total:.2f} CPU s; {dense:.3g} dense FLOPs (training and evaluation) in ~{gemm_seconds:.2f} CPU s = {rate:.1f} GFLOP/s = {100 * rate / peak:.0f}% of the FMA peak")
PY
else
  echo "perf cannot record here: skipped (valgrind --tool=callgrind counts instructions instead)"
fi

fi  # compare_only

echo "== PyTorch (same TRM step, 1 thread), interleaved with TRMKit over $rounds rounds"
# Both sides in CPU seconds per step: PyTorch's process time over its timed steps, TRMKit's training CPU
# seconds (train_cpu_seconds) over its steps.
# PyTorch picks its kernels at run time from the CPU, not from our -target-cpu: on the AVX2 path, hold its
# ATen, oneDNN and MKL kernels to AVX2 as well, or TRMKit's AVX2 code is compared with PyTorch's AVX-512 code.
torch_isa=""
[ -n "$defines" ] || torch_isa="ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2"
[ -z "$torch_isa" ] || echo "PyTorch held to AVX2: $torch_isa"
if python3 -c "import torch" 2>/dev/null; then
  # The capability ATen actually dispatches to (it ignores an unknown ATEN_CPU_CAPABILITY with a warning).
  # shellcheck disable=SC2086
  echo "PyTorch $(python3 -c 'import torch; print(torch.__version__)' 2>/dev/null), CPU capability in use: $(env $torch_isa python3 -c 'import torch; print(torch.backends.cpu.get_cpu_capability())' 2>/dev/null)"
  ours=() theirs=() before=()
  for r in $(seq "$rounds"); do
    cpu=$(train_cpu_seconds "$work/trm" "$work/round-$r" "${seeds[0]}")
    ours+=("$(python3 -c "import sys; print(float(sys.argv[1]) / float(sys.argv[2]))" "$cpu" "$(field "$work/round-$r/out/run.json" steps)")")
    # shellcheck disable=SC2086  # $torch_isa is zero or more VAR=value words
    theirs+=("$(env OMP_NUM_THREADS=1 $torch_isa python3 benchmarks/pytorch_trm_step.py 1 30 cpu)")
    if [ -n "$base" ]; then
      cpu=$(train_cpu_seconds "$work/trm-base" "$work/base-round-$r" "${seeds[0]}")
      before+=("$(python3 -c "import sys; print(float(sys.argv[1]) / float(sys.argv[2]))" "$cpu" "$(field "$work/base-round-$r/out/run.json" steps)")")
    fi
  done
  python3 - "${ours[*]}" "${theirs[*]}" "${before[*]:-}" "$base" <<'PY'
import statistics, sys
ours = [float(x) for x in sys.argv[1].split()]
theirs = [float(x) for x in sys.argv[2].split()]
before = [float(x) for x in sys.argv[3].split()]
per_round = " ".join(f"{t / o:.2f}" for o, t in zip(ours, theirs))
o, t = statistics.median(ours), statistics.median(theirs)
print(f"median CPU s/step: PyTorch {t:.4f}, TRMKit {o:.4f}: TRMKit runs at {t / o:.2f}x PyTorch's speed (per round: {per_round})")
if before:
    b = statistics.median(before)
    print(f"TRMKit as of {sys.argv[4]}: median {b:.4f} CPU s/step, {t / b:.2f}x PyTorch; this TRMKit is {b / o:.2f}x faster "
          f"(per round: {' '.join(f'{x / y:.2f}' for x, y in zip(before, ours))})")
PY
else
  echo "PyTorch not installed (pip install torch): comparison skipped"
fi
echo "load after: $(uptime | sed 's/.*load/load/')"
