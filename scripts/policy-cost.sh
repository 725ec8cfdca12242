#!/usr/bin/env bash
# Measures what the resolved-reference policy (ResolvedPolicy) adds to a candidate's build: the wall
# seconds of the compiler's AST dump and raw SIL against the build itself, for the seeds, with the build's
# flags (CandidateBuild.flags), outside the sandbox. Prints one line per program and the ratio of the
# two dumps to the build, measured in the same run. A benchmark figure, never a test.
#
#   scripts/policy-cost.sh [program…]   # default: trm hrm
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
programs=("$@")
[ ${#programs[@]} -gt 0 ] || programs=(trm hrm)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$root/scripts/build-trmkit-module.sh" "$work/module" >/dev/null
flags=(-parse-as-library -O -target-cpu native -I module -L module -lTRMKit -module-name candidate -swift-version 5
       -enable-upcoming-feature MemberImportVisibility -Xfrontend -solver-expression-time-threshold=2)
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N); echo "$end - $start" | bc; }
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), avx512f: $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
for name in "${programs[@]}"; do
  dir="$work/$name"
  mkdir -p "$dir/program" "$dir/out"
  cp "$root/Programs/$name/kernel.swift" "$dir/program/"
  ln -s "$work/module" "$dir/module"
  echo '{"program/kernel.swift": {"ast-dump": "out/ast-0.json"}}' > "$dir/out/map.json"
  cd "$dir"
  ast=$(seconds swiftc -dump-ast -dump-ast-format json "${flags[@]}" -output-file-map out/map.json program/kernel.swift)
  sil=$(seconds swiftc -emit-silgen -Xllvm -sil-print-debuginfo -wmo "${flags[@]}" -o out/program.sil program/kernel.swift)
  build=$(seconds swiftc "${flags[@]}" -o candidate program/kernel.swift)
  printf '%-6s AST dump %5.2f s (%d KB), raw SIL %5.2f s (%d KB), build %5.2f s: dumps/build = %.2f\n' "$name" "$ast" \
    $(( $(stat -c %s out/ast-0.json) / 1024 )) "$sil" $(( $(stat -c %s out/program.sil) / 1024 )) "$build" "$(echo "($ast + $sil) / $build" | bc -l)"
done
