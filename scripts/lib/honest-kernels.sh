# Sourced by the scripts that measure issue 24's six honest kernels (learning-control-bench.sh,
# honest-kernels-table.sh): the two seeds and four mutants, made the same way everywhere.
#
#   honest_kernels PROGRAMS WORK   # copies PROGRAMS/{trm,hrm} into WORK and mutates four copies
honest_kernel_names=(trm hrm trm-hidden128 trm-attention trm-T2 hrm-hidden32)

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
