# Sourced by the scripts that measure issue 24's six honest kernels (learning-control-bench.sh,
# honest-kernels-table.sh): the two seeds and four mutants, made the same way everywhere, and the
# arguments those scripts share.
#
#   honest_kernel_arguments DEFAULT_EVOLVE "$@"   # sets evolve, seeds, kernels and work (removed on exit)
#   honest_suite SOURCE TRAIN_FLOPS               # $work/suite.yaml: SOURCE's benchmarks at TRAIN_FLOPS
#   honest_kernels PROGRAMS WORK                  # copies PROGRAMS/{trm,hrm} into WORK and mutates four copies
#   honest_cpu                                    # the CPU the figures were measured on, for their header
honest_kernel_names=(trm hrm trm-hidden128 trm-attention trm-T2 hrm-hidden32)

# `[path/to/evolve [seeds [kernel…]]]`: the evolve binary (DEFAULT_EVOLVE when not given), the training
# seeds (default "1 2 3 4") and the kernels (default all six); and a fresh work directory.
honest_kernel_arguments() {
  local default=$1
  shift
  evolve="${1:-$default}"
  seeds="${2:-1 2 3 4}"
  shift 2 || shift $# || true
  kernels=("$@")
  [ ${#kernels[@]} -gt 0 ] || kernels=("${honest_kernel_names[@]}")
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
}

# The suite the kernels' `suite: ../suite.yaml` reads, written into $work: SOURCE's benchmarks (only ONLY's,
# when set) with training budgets TRAIN_FLOPS (`suite`, a number, or `/N`; see scaled-suite.py).
honest_suite() {
  python3 "$(dirname "${BASH_SOURCE[0]}")/scaled-suite.py" "$1" "$work/suite.yaml" "$2" "${ONLY:-}"
}

honest_kernels() {
  local programs=$1 work=$2 d
  for d in trm hrm; do cp -r "$programs/$d" "$work/$d"; done
  for d in trm-hidden128 trm-attention trm-T2; do cp -r "$work/trm" "$work/$d"; done
  cp -r "$work/hrm" "$work/hrm-hidden32"
  sed -i 's/static let hidden = 64 /static let hidden = 128/' "$work/trm-hidden128/kernel.swift"
  sed -i 's/static let useAttention = false/static let useAttention = true /' "$work/trm-attention/kernel.swift"
  sed -i 's/static let T = 1 /static let T = 2 /' "$work/trm-T2/kernel.swift"
  sed -i 's/static let hidden = 64$/static let hidden = 32/' "$work/hrm-hidden32/kernel.swift"
  # A seed whose constants moved would leave a mutant equal to its seed: refuse rather than measure it.
  for d in trm-hidden128 trm-attention trm-T2 hrm-hidden32; do
    grep -q "hidden = 128\|useAttention = true \|T = 2 \|hidden = 32" "$work/$d/kernel.swift" \
      || { echo "the mutation of $d did not apply to $programs" >&2; return 1; }
  done
}

# The CPU model and whether it has AVX-512 (TRMKit's GEMM tile depends on it): every figure names them.
honest_cpu() {
  echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), avx512f: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no)"
}
