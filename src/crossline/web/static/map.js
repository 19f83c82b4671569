// The map (Leaflet, vendored) with no tile server: force areas, flows and cells are drawn from the page's own data.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("map-data");
  const box = document.getElementById("map");
  if (!source || !box || typeof L === "undefined") return;
  const data = JSON.parse(source.textContent || "{}");
  const map = L.map(box, { attributionControl: false, preferCanvas: true }).setView([53.5, -2.5], 6);
  // land under everything else: the coastline Crossline ships (Natural Earth), fetched from this application
  map.createPane("land");
  map.getPane("land").style.zIndex = "350";
  fetch("/map/coastline.json", { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : null))
    .then((land) => {
      if (land) L.geoJSON(land, { pane: "land", interactive: false, style: { color: "#6b7b8c", weight: 1, fillColor: "#eef0e6", fillOpacity: 1 } }).addTo(map);
    })
    .catch(() => { box.dataset.land = "unavailable"; });
  // the official force boundaries, when the workspace holds them (docs/geography.md); otherwise the centres alone
  if (data.force_boundaries) {
    map.createPane("forces");
    map.getPane("forces").style.zIndex = "360";
    fetch("/map/force-areas.json", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((areas) => {
        if (!areas) return;
        L.geoJSON(areas, {
          pane: "forces",
          style: { color: "#0b2545", weight: 1, fill: false },
          onEachFeature: (feature, layer) => {
            const props = feature.properties || {};
            const key = Object.keys(props).find((k) => /^PFA\d{2}NM$/i.test(k));
            if (key) layer.bindTooltip(String(props[key]));
          },
        }).addTo(map);
      });
  }
  for (const f of data.force_areas || []) {
    L.circleMarker([f.lat, f.lon], { radius: 6, color: "#0b2545", weight: 1, fillOpacity: 0.4 }).bindTooltip(f.name).addTo(map);
  }
  for (const f of data.flows || []) {
    L.polyline([f.from, f.to], { color: f.status === "active" ? "#a4000f" : "#777", weight: 2 }).bindTooltip(`${f.line_id}: ${f.controller_area} to ${f.market_areas}`).addTo(map);
  }
  const cells = (data.cells || []).map((c) => [c.lat, c.lon]);
  for (const c of data.cells || []) {
    L.circleMarker([c.lat, c.lon], { radius: 3, color: "#00437a" }).bindTooltip(`${c.role} cell ${c.cell_id} (${c.n})`).addTo(map);
  }
  if (cells.length) map.fitBounds(cells, { maxZoom: 12 });
});
