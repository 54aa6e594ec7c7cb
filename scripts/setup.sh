#!/usr/bin/env bash
# Makes a fresh machine ready for kq's quick start and tests, then builds. Safe to run again:
# every step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Java and Maven run the local Kafka; kcat is the independent client the tests
# use to check kq's topics and messages; chromium runs the dashboard's browser test and
# screenshots (never a downloaded browser). Installed only when missing, and only where apt can.
missing=()
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v kcat >/dev/null || missing+=(kcat)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if command -v apt-get >/dev/null && { [ -z "$sudo" ] || command -v sudo >/dev/null; }; then
    echo "Installing ${missing[*]} with apt-get..." >&2
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
      $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    }
  else
    echo "Please install: ${missing[*]} (Debian/Ubuntu package names)." >&2
    exit 1
  fi
fi

# Node packages, exactly as locked; skipped when node_modules already matches the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

npm run --silent build
