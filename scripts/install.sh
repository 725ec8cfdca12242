#!/usr/bin/env bash
# Builds evolve in release mode and copies the binary to a directory on PATH. The binary carries TRMKit's
# sources and the TRM seed (Sources/EmbeddedSources), so it runs from any directory without this checkout.
#   scripts/install.sh                 install to /usr/local/bin
#   scripts/install.sh ~/.local/bin    install to another directory
#   PREFIX=/opt/evolve scripts/install.sh   install to /opt/evolve/bin
# It needs at run time what a build needs: swiftc (candidates are compiled), and the system libraries that
# scripts/setup.sh installs (libsqlite3, libgit2, libcurl, bubblewrap).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:-${PREFIX:+$PREFIX/bin}}"
target="${target:-/usr/local/bin}"

# The embedded copy must match the files, or the installed binary would train against another TRMKit.
scripts/embed-sources.sh >/dev/null
if ! git diff --quiet -- Sources/EmbeddedSources 2>/dev/null; then
  echo "install: note: Sources/EmbeddedSources was stale and has been regenerated; commit it" >&2
fi

echo "install: building evolve (release)"
swift build -c release --product evolve
binary="$(swift build -c release --show-bin-path)/evolve"

mkdir -p "$target"
sudo=""
if [ ! -w "$target" ] && [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo install -m 0755 "$binary" "$target/evolve"
echo "install: $target/evolve"
case ":$PATH:" in
  *":$target:"*) ;;
  *) echo "install: note: $target is not on PATH; add it, e.g. export PATH=\"$target:\$PATH\"" ;;
esac
"$target/evolve" --help | head -n 1
