#!/usr/bin/env bash
# Prints the -D flags TRMKit is compiled with for a -target-cpu (default native): `-D TRMKIT_AVX512` when that
# CPU has AVX-512F, so GEMM picks its 32-register tile, else nothing (the AVX2 tile). Asks the toolchain's
# clang what the CPU offers, so named CPUs (znver3, haswell, skylake-avx512) and `native` are answered alike.
#   scripts/trmkit-cpu-defines.sh [CPU]
set -euo pipefail
cpu="${1:-native}"
macros="$(clang -march="$cpu" -dM -E -x c /dev/null 2>/dev/null)" || { echo "error: clang does not know the CPU '$cpu'; pass a name clang -march accepts (znver3, haswell, native)" >&2; exit 2; }
if grep -q '__AVX512F__' <<<"$macros"; then echo "-D TRMKIT_AVX512"; fi
