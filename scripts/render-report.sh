#!/usr/bin/env bash
# Renders an HTML report to a PNG with headless Chromium, for a person to look at:
#   scripts/render-report.sh [out/report.html] [out/report.png]
# Needs Debian's chromium (apt-get install chromium). The page loads nothing from the network.
set -euo pipefail
report="${1:-out/report.html}"
png="${2:-${report%.html}.png}"
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
    echo "chromium is not installed: apt-get install chromium" >&2
    exit 2
fi
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size=1200,1800 \
    --screenshot="$(realpath -m "$png")" "file://$(realpath "$report")" >/dev/null 2>&1
echo "wrote $png"
