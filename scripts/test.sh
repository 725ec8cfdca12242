#!/usr/bin/env bash
# Installs the system packages, then runs the whole test suite (debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --deps-only
swift test
