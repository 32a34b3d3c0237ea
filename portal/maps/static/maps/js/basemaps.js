/* Basemaps. The offline one is ours: county fills on a plain background, the DEM hillshade
 * (an image in Web Mercator, so it lines up when stretched between its corners), then division
 * boundaries and names from the registry. Configured tile basemaps (Tianditu, intranet servers)
 * come from TIANFU_BASEMAPS with their attribution and approval number (审图号) in the map's
 * attribution line, which also prints. The boundaries and names can stay on over any basemap. */
(function () {
  "use strict";
  const T = window.Tianfu;
  const CITY_LABEL_ZOOM = 6;
  const COUNTY_LABEL_ZOOM = 8;

  // Area-weighted centroid of the largest ring: a good enough anchor for a division's name.
  function labelPoint(geometry) {
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    let best = null;
    polygons.forEach((polygon) => {
      const ring = polygon[0];
      let area = 0; let x = 0; let y = 0;
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
        const cross = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
        area += cross; x += (ring[j][0] + ring[i][0]) * cross; y += (ring[j][1] + ring[i][1]) * cross;
      }
      if (area !== 0 && (!best || Math.abs(area) > best.area)) {
        best = { area: Math.abs(area), lng: x / (3 * area), lat: y / (3 * area) };
      }
    });
    return best && L.latLng(best.lat, best.lng);
  }

  function divisionLabels(collection) {
    const labels = L.layerGroup();
    collection.features.forEach((feature) => {
      const point = labelPoint(feature.geometry);
      if (!point) { return; }
      const level = feature.properties.level;
      const icon = L.divIcon({
        className: `division-label division-label--${level}`,
        html: `<span>${T.escapeHtml(feature.properties.name)}</span>`,
        iconSize: null,
      });
      L.marker(point, { icon: icon, pane: "tianfu-labels", interactive: false, keyboard: false })
        .addTo(labels);
    });
    return labels;
  }

  // Layer groups first, filled when the boundaries arrive: the rest of the map does not wait.
  function offlineLayers(config) {
    const relief = L.imageOverlay(config.hillshade.url, config.hillshade.bounds, {
      pane: "tianfu-relief",
      interactive: false,
      alt: "",
      className: "hillshade",
      attribution: T.escapeHtml(T.t("offline_attribution")),
    });
    return { ground: L.layerGroup([relief]), boundaries: L.layerGroup() };
  }

  function addDivisions(offline, collection) {
    offline.ground.addLayer(L.geoJSON(collection, {
      renderer: L.canvas({ pane: "tianfu-fills" }),
      interactive: false,
      style: { stroke: false, fill: true, fillColor: "#fbfaf5", fillOpacity: 1 },
    }));
    offline.boundaries.addLayer(L.geoJSON(collection, {
      renderer: L.canvas({ pane: "tianfu-lines" }),
      interactive: false,
      style: (feature) => (feature.properties.level === "county"
        ? { color: "#9aa5b1", weight: 0.8, fill: false }
        : { color: "#52606d", weight: 1.6, fill: false }),
    }));
    offline.boundaries.addLayer(divisionLabels(collection));
    T.emit("divisions:loaded", { count: collection.features.length });
  }

  function credit(basemap) {
    const parts = [T.escapeHtml(basemap.attribution)];
    if (basemap.approval_no) {
      parts.push(`${T.escapeHtml(T.t("approval_no"))}：${T.escapeHtml(basemap.approval_no)}`);
    }
    return parts.join(" · ");
  }

  // In the bottom pane, where the offline fills would be: boundaries and data stay above.
  function tileLayers(basemap) {
    const options = {
      pane: "tianfu-fills",
      subdomains: basemap.subdomains || "abc",
      tk: basemap.tk,
      maxZoom: T.config.view.max_zoom,
      maxNativeZoom: basemap.max_zoom,
      attribution: credit(basemap),
    };
    const layers = [L.tileLayer(basemap.url, options)];
    if (basemap.labels_url) {
      layers.push(L.tileLayer(basemap.labels_url, Object.assign({}, options, { attribution: null })));
    }
    return L.layerGroup(layers);
  }

  function showLabelsByZoom(map) {
    const zoom = map.getZoom();
    const container = map.getContainer();
    container.classList.toggle("show-city-labels", zoom >= CITY_LABEL_ZOOM);
    container.classList.toggle("show-county-labels", zoom >= COUNTY_LABEL_ZOOM);
  }

  function setUp(map, offline) {
    const config = T.config.basemaps;
    const byName = { offline: offline.ground };
    config.tiles.forEach((basemap) => { byName[basemap.name] = tileLayers(basemap); });
    const radios = Array.from(document.querySelectorAll("input[name=basemap]"));
    const boundaries = document.getElementById("map-boundaries");
    let current = null;

    function apply() {
      const chosen = (radios.find((radio) => radio.checked) || radios[0]).value;
      if (current) { map.removeLayer(current); }
      current = (byName[chosen] || byName.offline).addTo(map);
      const tile = config.tiles.find((basemap) => basemap.name === chosen);
      T.display.setGcj02(map, Boolean(tile && tile.gcj02));
      map.getContainer().classList.toggle("map--offline", !tile);
      document.getElementById("map-gcj02-note").hidden = !(tile && tile.gcj02);
      T.emit("basemap:change", { name: chosen });
    }

    function applyBoundaries() {
      if (boundaries.checked) { offline.boundaries.addTo(map); } else { map.removeLayer(offline.boundaries); }
      T.emit("basemap:change", {});
    }

    radios.forEach((radio) => radio.addEventListener("change", apply));
    boundaries.addEventListener("change", applyBoundaries);
    map.on("zoomend", () => showLabelsByZoom(map));
    showLabelsByZoom(map);
    apply();
    applyBoundaries();
  }

  window.addEventListener("map:init", (event) => {
    const map = event.detail.map;
    const offline = offlineLayers(T.config.basemaps.offline);
    setUp(map, offline);
    fetch(T.config.basemaps.offline.divisions, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) { throw new Error(`${response.status}`); }
        return response.json();
      })
      .then((collection) => addDivisions(offline, collection))
      .catch((error) => T.status(`${T.t("divisions")}: ${error.message}`));
  });
})();
