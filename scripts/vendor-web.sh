#!/usr/bin/env bash
# Refresh the web pages' vendored JavaScript from npm at pinned versions, with each package's licence.
# Nothing is loaded from a CDN at run time: the application serves these files itself (air-gapped networks).
# Usage: scripts/vendor-web.sh   (needs npm; writes src/crossline/web/static/vendor/ and tests/web/vendor/)
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=src/crossline/web/static/vendor
TESTVENDOR=tests/web/vendor
PACKAGES=(htmx.org@2.0.4 cytoscape@3.30.4 chart.js@4.4.7 leaflet@1.9.4 axe-core@4.10.2)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for spec in "${PACKAGES[@]}"; do
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
done
for tgz in "$tmp"/*.tgz; do
  name=$(basename "$tgz" .tgz)
  mkdir -p "$tmp/$name" && tar -xzf "$tgz" -C "$tmp/$name"
done
mkdir -p "$VENDOR/htmx" "$VENDOR/cytoscape" "$VENDOR/chartjs" "$VENDOR/leaflet/images" "$TESTVENDOR"
cp "$tmp"/htmx.org-2.0.4/package/dist/htmx.min.js "$VENDOR/htmx/"
cp "$tmp"/htmx.org-2.0.4/package/LICENSE "$VENDOR/htmx/LICENSE"
cp "$tmp"/cytoscape-3.30.4/package/dist/cytoscape.min.js "$VENDOR/cytoscape/"
cp "$tmp"/cytoscape-3.30.4/package/LICENSE "$VENDOR/cytoscape/LICENSE"
cp "$tmp"/chart.js-4.4.7/package/dist/chart.umd.js "$VENDOR/chartjs/"
cp "$tmp"/chart.js-4.4.7/package/LICENSE.md "$VENDOR/chartjs/LICENSE.md"
cp "$tmp"/leaflet-1.9.4/package/dist/leaflet.js "$tmp"/leaflet-1.9.4/package/dist/leaflet.css "$VENDOR/leaflet/"
cp "$tmp"/leaflet-1.9.4/package/dist/images/*.png "$VENDOR/leaflet/images/"
cp "$tmp"/leaflet-1.9.4/package/LICENSE "$VENDOR/leaflet/LICENSE"
cp "$tmp"/axe-core-4.10.2/package/axe.min.js "$TESTVENDOR/"
cp "$tmp"/axe-core-4.10.2/package/LICENSE "$TESTVENDOR/axe-core-LICENSE"
printf '%s\n' "${PACKAGES[@]}" > "$VENDOR/VERSIONS"
echo "vendored: ${PACKAGES[*]}"
