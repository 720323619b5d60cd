#!/usr/bin/env bash
# The README's test command: installs what the interop tests use (Debian packages), the npm
# dependencies, then runs type-checking, lint and every test (`npm run check`).
# On a machine without apt (a developer laptop) the Debian step is skipped and the tests that need
# those tools skip themselves — except under CI=true, where a missing tool fails its test.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  libimobiledevice-utils libusbmuxd-tools libplist-utils openssl restic python3
  exfatprogs exfat-fuse
  swift swift-proxy swift-object swift-container swift-account memcached
  chromium
  iproute2 util-linux
)

if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "apt-get not found: skipping Debian packages (interop tests will skip unless CI=true)"
fi

npm ci --no-audit --no-fund
npm run check
