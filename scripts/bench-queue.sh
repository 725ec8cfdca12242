#!/usr/bin/env bash
# The PostgreSQL queue's overhead per evaluation and its throughput with 1, 2, 4 and 8 workers of a sleeping
# command evaluator (docs/distributed.md). Prints figures; asserts nothing.
#   scripts/bench-queue.sh [jobs per worker count=24] [sleep seconds=0.5]
set -euo pipefail
cd "$(dirname "$0")/.."
EVOLVE_EXTRA_PACKAGES="postgresql" scripts/setup.sh --deps-only
swift build --product evolve-queuebench
exec .build/debug/evolve-queuebench "$@"
