#!/usr/bin/env bash
# Checks that a TRMKit change keeps training bit-for-bit: builds TRMKit from the working tree and from a base
# git revision for one target CPU, trains the same programs against each on the same data and training seed,
# and compares their predictions (SHA-256 of out/predictions.jsonl) and FLOP counts (run.json's train_flops,
# eval_flops, dense FLOPs, steps). A speed change that reorders any output element's floating-point
# accumulation shows here as a different hash; a change to any op's FLOP charge shows as different counts.
# Exits 1 if anything differs.
#
#   scripts/check-trmkit-predictions.sh [--target-cpu CPU] [--train-flops F] [BASE_REV]
#     CPU       what -target-cpu the module and the kernels get (default native; znver3 or haswell for the
#               AVX2 path on an AVX-512 machine)
#     F         training FLOP budget per run (default 1.5e11, compute-check-bench's budget)
#     BASE_REV  the revision whose Sources/TRMKit is the reference (default: where this branch left main,
#               `git merge-base HEAD main`, so TRMKit changes merged into main since do not count as ours)
# Programs: the seeds trm and hrm, compute-check-bench's trm-hidden128 and trm-attention mutants, and the TRM
# seed with T = 2 (its first round runs without gradients), all on sudoku-6x6 (data seed 1, training seed 1).
set -euo pipefail
cd "$(dirname "$0")/.."
cpu=native flops=1.5e11 base=""
while [ $# -gt 0 ]; do
  case "$1" in
    --target-cpu) cpu="$2"; shift 2 ;;
    --train-flops) flops="$2"; shift 2 ;;
    -*) echo "error: unknown option $1 (usage: $0 [--target-cpu CPU] [--train-flops F] [BASE_REV])" >&2; exit 2 ;;
    *) base="$1"; shift ;;
  esac
done
[ -n "$base" ] || base=$(git merge-base HEAD main)
git rev-parse --verify -q "$base^{commit}" >/dev/null || { echo "error: base revision '$base' is not a commit here; pass one that git rev-parse knows" >&2; exit 2; }
work="$(mktemp -d /tmp/evolve-trmkit-check.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# TRM_BENCH: an already built trm-bench (it only writes data sets and scores), to skip the release build.
bench="${TRM_BENCH:-}"
if [ -z "$bench" ]; then swift build -c release --product trm-bench >/dev/null; bench=.build/release/trm-bench; fi

# The reference sources, as committed at BASE_REV.
mkdir -p "$work/base-tree"
git archive "$base" Sources/TRMKit | tar -x -C "$work/base-tree"

defines=$(scripts/trmkit-cpu-defines.sh "$cpu")
build_module() {  # SOURCES_DIR OUT_DIR
  mapfile -t sources < <(find "$1" -name '*.swift' | sort)
  mkdir -p "$2"
  # shellcheck disable=SC2086  # $defines is zero or two words
  swiftc -parse-as-library -emit-library -static -emit-module -module-name TRMKit -package-name TRMKitRuntime -wmo -O \
    -target-cpu "$cpu" $defines -emit-module-path "$2/TRMKit.swiftmodule" -o "$2/libTRMKit.a" "${sources[@]}"
}
build_module "$work/base-tree/Sources/TRMKit" "$work/module-base"
build_module Sources/TRMKit "$work/module-new"

programs=(trm hrm trm-hidden128 trm-attention trm-T2)
for name in trm hrm; do cp -r "Programs/$name" "$work/src-$name"; done
for name in trm-hidden128 trm-attention trm-T2; do cp -r Programs/trm "$work/src-$name"; done
sed -i 's/static let hidden = 64 /static let hidden = 128/' "$work/src-trm-hidden128/kernel.swift"
sed -i 's/static let useAttention = false/static let useAttention = true /' "$work/src-trm-attention/kernel.swift"
sed -i 's/static let T = 1 /static let T = 2 /' "$work/src-trm-T2/kernel.swift"
for name in trm-hidden128 trm-attention trm-T2; do
  cmp -s "Programs/trm/kernel.swift" "$work/src-$name/kernel.swift" && { echo "error: the $name mutant's edit no longer applies to Programs/trm/kernel.swift; update its sed line in $0" >&2; exit 2; }
done

$bench data "$work/data" --tier sudoku-6x6 --train-flops "$flops" --seed 1 --training-seed 1 >/dev/null
status=0
printf "target CPU %s, base %s (%s), %s train FLOPs\n" "$cpu" "$base" "$(git rev-parse --short "$base")" "$flops"
for name in "${programs[@]}"; do
  for side in base new; do
    swiftc -parse-as-library -O -target-cpu "$cpu" -I "$work/module-$side" -L "$work/module-$side" -lTRMKit \
      "$work/src-$name"/*.swift -o "$work/bin-$name-$side"
    cp -r "$work/data" "$work/run-$name-$side"
    (cd "$work/run-$name-$side" && "$work/bin-$name-$side" "$work/run-$name-$side" 2>/dev/null)
  done
  result=$(python3 - "$work/run-$name-base" "$work/run-$name-new" <<'PY'
import hashlib, json, sys
keys = ["steps", "train_flops", "eval_flops", "train_dense_flops", "eval_dense_flops", "largest_step_flops"]
out = []
for d in sys.argv[1:]:
    digest = hashlib.sha256(open(d + "/out/predictions.jsonl", "rb").read()).hexdigest()[:16]
    run = json.load(open(d + "/out/run.json"))
    out.append((digest, {k: run.get(k) for k in keys}, run["train_seconds"] / max(run["steps"], 1)))
(hb, fb, sb), (hn, fn, sn) = out
same = hb == hn and fb == fn
print(("identical" if same else "DIFFERENT") + f"  predictions {hb} / {hn}  flops {'same' if fb == fn else f'{fb} / {fn}'}  "
      f"train_flops {fn['train_flops']}  steps {fn['steps']}  s/step {sb:.4f} / {sn:.4f}")
PY
)
  printf "%-14s %s\n" "$name" "$result"
  case "$result" in identical*) ;; *) status=1 ;; esac
done
exit $status
