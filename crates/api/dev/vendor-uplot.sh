#!/usr/bin/env bash
# Refreshes the vendored uPlot in crates/api/assets/vendor/ from the npm registry.
#   crates/api/dev/vendor-uplot.sh [VERSION]     (default: the version in vendor/README.md)
# Update vendor/README.md's version line when you change the version.
set -euo pipefail
vendor="$(cd "$(dirname "$0")/../assets/vendor" && pwd)"
version="${1:-$(sed -n 's/^- version: \([0-9.]*\).*/\1/p' "$vendor/README.md")}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "uplot@$version" >/dev/null
tar -xzf "uplot-$version.tgz"
cp package/dist/uPlot.iife.min.js package/dist/uPlot.min.css "$vendor/"
cp package/LICENSE "$vendor/uPlot.LICENSE"
echo "vendored uplot $version into $vendor"
