#!/usr/bin/env bash
# Installs what evolve needs on Debian/Ubuntu (idempotent), then builds the release binary.
#   scripts/setup.sh               install missing packages, then `swift build -c release`
#   scripts/setup.sh --deps-only   install missing packages only
set -euo pipefail
cd "$(dirname "$0")/.."

# sqlite3, libgit2, libcurl and libpq (the PostgreSQL evaluation queue) headers for the build; pkg-config
# to find them; bubblewrap for the sandbox's network and filesystem isolation.
packages=(libcurl4-openssl-dev libsqlite3-dev libgit2-dev libpq-dev pkg-config bubblewrap git)
# scripts/test.sh adds the PostgreSQL server, which the queue's tests start privately.
if [ -n "${EVOLVE_EXTRA_PACKAGES:-}" ]; then read -r -a extra <<<"$EVOLVE_EXTRA_PACKAGES"; packages+=("${extra[@]}"); fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "setup: system packages present (${packages[*]})"
fi

command -v swift >/dev/null || { echo "setup: error: swift not found on PATH; install Swift 6.3 and retry" >&2; exit 1; }

if [ "${1:-}" != "--deps-only" ]; then
  echo "setup: building evolve (release)"
  swift build -c release
fi
