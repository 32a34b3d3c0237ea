/* Registry layers as Mapbox Vector Tiles (Leaflet.VectorGrid) from /tiles/<layer>/..., see
 * portal/maps/tiles.py. A feature with a "count" is a grid cell (below the layer's
 * aggregate_below_zoom, or a crowded spot above it) carrying "count_<value>" per style value and
 * the sums of numeric properties: drawn as a circle sized by the count, with the number on top.
 * Any other feature is a record whose MVT feature id is its primary key, coloured by its
 * style_by value as the legend shows. Tiles are SVG so clicks work in the shifted GCJ-02 pane. */
(function () {
  "use strict";
  const T = window.Tianfu;
  const grids = {};
  const tileJson = {};
  const CELL_OFFSET_PX = 10;

  function isCell(properties) {
    return properties.count !== undefined && properties.count !== null;
  }

  // Every layer counts on the same grid, so cells of two layers would hide each other: each
  // layer's cell circles sit a few pixels off the cell centre in a direction of their own.
  function cellOffset(index) {
    const angle = (index * 2 * Math.PI) / T.config.layers.length - Math.PI / 2;
    return L.point(Math.cos(angle), Math.sin(angle)).multiplyBy(CELL_OFFSET_PX);
  }

  // VectorGrid hands a symbolizer only the feature's properties; keep the MVT feature id too.
  // Its point symbolizers inherit getLatLng() from CircleMarker without having a position, and
  // Leaflet >= 1.8 asks a small clicked "marker" for it: hide the method so clicks use the
  // pointer's position instead of throwing.
  const RegistryGrid = L.VectorGrid.Protobuf.extend({
    _createLayer(feature, pxPerExtent) {
      const symbolizer = L.VectorGrid.Protobuf.prototype._createLayer.call(this, feature, pxPerExtent);
      symbolizer.featureId = feature.id;
      symbolizer.getLatLng = null;
      if (symbolizer._point && isCell(feature.properties)) {
        symbolizer._point = symbolizer._point.add(this.options.cellOffset);
      }
      return symbolizer;
    },
  });

  // Circles grow with the order of magnitude: 1 → 9 px, 100 → 17 px, 100,000 → 29 px.
  function cellRadius(count) {
    return 9 + 4 * Math.log10(Math.max(1, count));
  }

  // SVG tiles that write a cell's count over its circle.
  const CountingTile = L.SVG.Tile.extend({
    _addPath(layer) {
      L.SVG.Tile.prototype._addPath.call(this, layer);
      if (!layer.properties || !isCell(layer.properties) || !layer._point) { return; }
      const text = L.SVG.create("text");
      text.setAttribute("x", layer._point.x);
      text.setAttribute("y", layer._point.y);
      text.setAttribute("class", "cell-count");
      text.textContent = T.formatCompact(layer.properties.count);
      this._rootGroup.appendChild(text);
    },
  });

  function styleFor(layer) {
    const colours = {};
    layer.legend.forEach((entry) => { colours[entry.value] = entry.colour; });
    return (properties) => {
      if (isCell(properties)) {
        return {
          radius: cellRadius(properties.count), fill: true, fillColor: layer.colour,
          fillOpacity: 0.6, color: "#ffffff", weight: 1.5,
        };
      }
      const colour = colours[properties[layer.style_by]] || layer.colour;
      if (layer.kind === "polygon") {
        return { fill: true, fillColor: colour, fillOpacity: 0.35, color: colour, weight: 1.5 };
      }
      return { radius: 6, fill: true, fillColor: colour, fillOpacity: 0.9, color: "#ffffff", weight: 1.2 };
    };
  }

  function displayValue(field, value) {
    if (value === undefined || value === null || value === "") { return "—"; }
    if (field.choices[value]) { return field.choices[value]; }
    return typeof value === "number" ? T.formatNumber(value) : String(value);
  }

  function featurePopup(layer, properties, id) {
    const [first, ...rest] = layer.properties;
    const rows = rest.map((field) => [T.el("dt", null, field.label), T.el("dd", null, displayValue(field, properties[field.name]))]);
    const link = T.el("a", { href: layer.detail_path.replace("{pk}", id), class: "popup-link" }, T.t("details"));
    return T.el("div", { class: "map-popup" },
      T.el("p", { class: "popup-layer" }, layer.label),
      T.el("h3", null, displayValue(first, properties[first.name])),
      T.el("dl", null, rows), link);
  }

  // A cell counts its records per style value ("count_idle") and sums numeric properties.
  function cellBreakdown(layer, properties) {
    const counts = layer.legend.map((entry) => {
      const count = properties[`count_${entry.value}`];
      if (!count) { return null; }
      const swatch = T.el("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.background = entry.colour;
      return T.el("li", null, swatch, `${entry.label}：${T.formatNumber(count)}`);
    });
    const sums = layer.properties.map((field) => (typeof properties[field.name] === "number"
      ? T.el("li", null, `${field.label}：${T.formatNumber(properties[field.name])}`) : null));
    return counts.concat(sums).filter(Boolean);
  }

  function cellPopup(map, layer, properties, latlng) {
    const zoom = T.el("button", { type: "button" }, T.t("zoom_in"));
    zoom.addEventListener("click", () => map.setView(latlng, Math.max(layer.aggregate_below_zoom, map.getZoom() + 2)));
    const breakdown = cellBreakdown(layer, properties);
    return T.el("div", { class: "map-popup" },
      T.el("p", { class: "popup-layer" }, layer.label),
      T.el("h3", null, T.t("cell_count", { count: T.formatNumber(properties.count) })),
      breakdown.length ? T.el("ul", { class: "legend" }, breakdown) : null,
      T.el("p", null, T.t("cell_hint")), zoom);
  }

  function onClick(map, layer, event) {
    const properties = event.layer.properties || {};
    const content = isCell(properties)
      ? cellPopup(map, layer, properties, event.latlng)
      : featurePopup(layer, properties, event.layer.featureId);
    L.popup({ maxWidth: 320 }).setLatLng(event.latlng).setContent(content).openOn(map);
  }

  function describe(layer) {
    if (!tileJson[layer.name]) {
      tileJson[layer.name] = fetch(layer.tilejson, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : {}))
        .catch(() => ({}));
    }
    return tileJson[layer.name];
  }

  function tileUrl(layer, description) {
    const template = (description.tiles && description.tiles[0]) || layer.tiles;
    const query = T.filters.params(layer).toString();
    if (!query) { return template; }
    return `${template}${template.includes("?") ? "&" : "?"}${query}`;
  }

  function createGrid(map, layer, description) {
    const style = styleFor(layer);
    const styles = { [layer.name]: style };
    (description.vector_layers || []).forEach((entry) => { styles[entry.id] = style; });
    const grid = new RegistryGrid(tileUrl(layer, description), {
      pane: "tianfu-data",
      rendererFactory: (coords, size, options) => new CountingTile(coords, size, options),
      vectorTileLayerStyles: styles,
      interactive: true,
      maxNativeZoom: description.maxzoom,
      minZoom: description.minzoom,
      fetchOptions: { credentials: "same-origin" },
      cellOffset: cellOffset(T.config.layers.indexOf(layer)),
    });
    grid.on("click", (event) => onClick(map, layer, event));
    return grid;
  }

  function activeLayers() {
    return Array.from(document.querySelectorAll("input[name=layer]:checked"), (input) => input.value);
  }

  function sync(map) {
    const active = activeLayers();
    T.config.layers.forEach((layer) => {
      const on = active.includes(layer.name);
      document.querySelector(`.legend[data-layer="${layer.name}"]`).hidden = !on;
      if (!on && grids[layer.name]) {
        if (grids[layer.name] !== "loading") { map.removeLayer(grids[layer.name]); }
        delete grids[layer.name];
      }
      if (on && !grids[layer.name]) {
        grids[layer.name] = "loading";
        describe(layer).then((description) => {
          if (grids[layer.name] !== "loading") { return; }
          grids[layer.name] = createGrid(map, layer, description).addTo(map);
        });
      }
    });
    T.emit("layers:change", { active: active });
  }

  function refilter() {
    T.config.layers.forEach((layer) => {
      const grid = grids[layer.name];
      if (grid && grid !== "loading") { describe(layer).then((d) => grid.setUrl(tileUrl(layer, d))); }
    });
  }

  T.layers = { active: activeLayers, byName: (name) => T.config.layers.find((layer) => layer.name === name) };

  window.addEventListener("map:init", (event) => {
    const map = event.detail.map;
    document.querySelectorAll("[data-colour]").forEach((swatch) => { swatch.style.background = swatch.dataset.colour; });
    document.querySelectorAll("input[name=layer]").forEach((input) => input.addEventListener("change", () => sync(map)));
    T.on("filters:change", refilter);
    sync(map);
  });
})();
