#!/usr/bin/env bash
# Builds TRMKit once as a static library + module for compiling candidate kernels against:
#   scripts/build-trmkit-module.sh OUTDIR   → OUTDIR/libTRMKit.a, OUTDIR/TRMKit.swiftmodule
# A candidate then compiles with:
#   swiftc -parse-as-library -O -target-cpu native -I OUTDIR -L OUTDIR -lTRMKit program/*.swift -o candidate
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: scripts/build-trmkit-module.sh OUTDIR}"
mkdir -p "$out"
mapfile -t sources < <(find Sources/TRMKit -name '*.swift' | sort)
# -D TRMKIT_AVX512 on an AVX-512 machine: GEMM's register tile for 32 vector registers (Ops/GEMM.swift).
# shellcheck disable=SC2046  # zero or two words
swiftc -parse-as-library -emit-library -static -emit-module -module-name TRMKit -package-name TRMKitRuntime -wmo -O -target-cpu native $(scripts/trmkit-cpu-defines.sh native) \
  -emit-module-path "$out/TRMKit.swiftmodule" -o "$out/libTRMKit.a" "${sources[@]}"
