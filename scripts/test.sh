#!/usr/bin/env bash
# Installs the system packages, then runs the whole test suite (debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
# The queue's tests start a private PostgreSQL server (initdb in a temporary directory, Unix socket only);
# under CI=true a missing server fails them instead of skipping.
EVOLVE_EXTRA_PACKAGES="postgresql" scripts/setup.sh --deps-only
swift test
