#!/usr/bin/env bash
# Debian packages the project needs: Pango/HarfBuzz for PDF rendering, poppler-utils for the
# PDF checks in the tests, DejaVu fonts, tmux for driving the guided run, faketime for running
# the tests with the clock moved, PostgreSQL for the web service's tests against a real server,
# Chromium and its driver for the browser tests. Installs only what is missing.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils tmux faketime
          postgresql chromium chromium-driver)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing system packages: ${missing[*]} (install them with your package manager)" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing system packages: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
