#!/usr/bin/env bash
# Installs the system packages, then runs the whole test suite (debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
# The queue's tests start a private PostgreSQL server (initdb in a temporary directory, Unix socket only);
# under CI=true a missing server fails them instead of skipping.
EVOLVE_EXTRA_PACKAGES="postgresql" scripts/setup.sh --deps-only
# Secrets the tests check never leak, set here rather than by setenv inside the test process: setenv while
# other tests' threads start processes races Foundation's Process.run (it crashed the suite with SIGSEGV).
export PGPASSWORD="pg-secret-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
export EVOLVE_TEST_PLANTED_SECRET="sk-planted-7731"
swift test
