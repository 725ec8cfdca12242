#!/usr/bin/env bash
# Writes a run's report and takes a full-page screenshot of it with headless Chromium (Debian's `chromium`
# package), to look at the figures as a reader will: no network, no server, the file as written.
#   scripts/report-screenshot.sh RUN [out.png=runs/RUN/report.png] [height in pixels=4200]
set -euo pipefail
cd "$(dirname "$0")/.."
run="${1:?usage: scripts/report-screenshot.sh RUN [out.png] [height]}"
runs="${EVOLVE_RUNS:-$PWD/runs}"
out="${2:-$runs/$run/report.png}"
height="${3:-4200}"
command -v chromium >/dev/null || { echo "report-screenshot: needs chromium (apt-get install -y chromium)" >&2; exit 1; }
html="$runs/$run/report.html"
.build/release/evolve report "$run" --out "$html" >/dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1300,"$height" \
    --screenshot="$out" "file://$html" 2>/dev/null
echo "report-screenshot: $out (from $html)"
