# Sourced (from the repository root) by the measurement scripts: sets $evolve to EVOLVE_BIN, made absolute,
# or to a fresh release build; exports EVOLVE_RUNS (default runs/, created); clears the LLM endpoint so that
# every arm uses the offline mutator; sets $stamp for the run names.
if [ -n "${EVOLVE_BIN:-}" ]; then
  evolve="$(cd "$(dirname "$EVOLVE_BIN")" && pwd)/$(basename "$EVOLVE_BIN")"
else
  swift build -c release --product evolve >/dev/null
  evolve="$PWD/.build/release/evolve"
fi
export EVOLVE_RUNS="${EVOLVE_RUNS:-$PWD/runs}"
mkdir -p "$EVOLVE_RUNS"
unset EVOLVE_LLM_BASE_URL EVOLVE_LLM_MODEL
stamp="$(date +%Y%m%d-%H%M%S)"
