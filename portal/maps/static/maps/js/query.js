/* Query by drawn area: a polygon or rectangle is sent as intersects=<GeoJSON>, a circle as
 * near=lon,lat,metres (geodesic on the server), together with the layer's filters, to
 * /map/query.json; the counts, value sums and rows are shown in the panel with links to the same
 * query as XLSX and CSV. Over a GCJ-02 basemap the shape is converted back to registry
 * coordinates first. Changing the layer re-runs the query for the same shape. */
(function () {
  "use strict";
  const T = window.Tianfu;
  const DECIMALS = 6;
  let lastShape = null;

  function round(value) {
    return Number(value.toFixed(DECIMALS));
  }

  function ringOf(latlngs) {
    const ring = latlngs.map((latlng) => {
      const point = T.display.toData(latlng);
      return [round(point.lng), round(point.lat)];
    });
    ring.push(ring[0]);
    return ring;
  }

  function shapeParams(detail) {
    const layer = detail.layer;
    if (detail.shape === "Circle") {
      const centre = T.display.toData(layer.getLatLng());
      return { near: `${round(centre.lng)},${round(centre.lat)},${Math.round(layer.getRadius())}` };
    }
    const rings = layer.getLatLngs().map(ringOf);
    return { intersects: JSON.stringify({ type: "Polygon", coordinates: rings }) };
  }

  function queryString(layer, shape) {
    const params = new URLSearchParams({ layer: layer.name });
    Object.entries(shape).forEach(([key, value]) => params.set(key, value));
    T.filters.params(layer).forEach((value, key) => params.append(key, value));
    return params.toString();
  }

  function chosenLayer() {
    return T.layers.byName(document.getElementById("query-layer").value);
  }

  function cell(value) {
    if (value === null || value === undefined) { return ""; }
    return typeof value === "number" ? T.formatNumber(value) : String(value);
  }

  // The first column links to the record's page; the rows are the server's first ROW_LIMIT.
  function table(columns, rows) {
    const head = T.el("tr", null, columns.map((column) => T.el("th", { scope: "col" }, column.label)));
    const body = rows.map((row) => T.el("tr", null, columns.map((column, index) => {
      const text = cell(row[column.name]);
      return T.el("td", null, index === 0 && row.url ? T.el("a", { href: row.url }, text || T.t("details")) : text);
    })));
    return T.el("div", { class: "table-scroll" }, T.el("table", { class: "query-table" }, T.el("thead", null, head), T.el("tbody", null, body)));
  }

  function summary(body) {
    const items = [T.el("li", null, T.t("query_count", { count: T.formatNumber(body.count) }))];
    (body.sums || []).forEach((sum) => items.push(T.el("li", null, `${sum.label}：${cell(sum.value)}`)));
    const groups = body.by_style ? body.by_style.groups.filter((group) => group.count) : [];
    if (groups.length) {
      const list = T.el("ul", null, groups.map((group) => T.el("li", null, `${group.label}：${T.formatNumber(group.count)}`)));
      items.push(T.el("li", null, body.by_style.label, list));
    }
    return T.el("ul", { class: "query-summary" }, items);
  }

  function exports(query) {
    const urls = T.config.urls;
    return T.el("p", { class: "query-exports" },
      T.el("a", { href: `${urls.query_xlsx}?${query}`, download: "" }, T.t("export_xlsx")), " ",
      T.el("a", { href: `${urls.query_csv}?${query}`, download: "" }, T.t("export_csv")));
  }

  function render(output, body, query) {
    const rows = body.rows || [];
    const parts = [T.el("h3", { class: "query-title" }, body.label || ""), summary(body)];
    if (body.truncated) {
      parts.push(T.el("p", { class: "note" }, T.t("query_truncated", { shown: rows.length, count: T.formatNumber(body.count) })));
    }
    if (rows.length) { parts.push(table(body.columns || [], rows)); }
    parts.push(exports(query));
    output.replaceChildren(...parts);
    // The panel may be folded (phones) or scrolled away: the status line says it too.
    T.status(`${body.label || ""}：${T.t("query_count", { count: T.formatNumber(body.count) })}`);
    output.scrollIntoView({ block: "nearest" });
  }

  function run() {
    const output = document.getElementById("query-results");
    const layer = chosenLayer();
    document.getElementById("section-results").open = true;
    if (!layer || !lastShape) { output.textContent = T.t("draw_first"); return; }
    const query = queryString(layer, lastShape);
    output.textContent = T.t("querying");
    fetch(`${T.config.urls.query}?${query}`, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => response.json().then((body) => {
        if (!response.ok) { throw new Error(body.detail || response.status); }
        return body;
      }))
      .then((body) => render(output, body, query))
      .catch((error) => { output.textContent = T.t("query_failed", { error: error.message }); });
  }

  // The layer to query follows the layers switched on, unless the one chosen is still on.
  function followActive(active) {
    const select = document.getElementById("query-layer");
    if (active.includes(select.value) || !active.length) { return; }
    select.value = active[0];
  }

  window.addEventListener("map:init", () => {
    T.on("draw:query", (detail) => {
      T.tools.drawn.getLayers().forEach((layer) => { if (layer !== detail.layer && !layer.getTooltip()) { T.tools.drawn.removeLayer(layer); } });
      lastShape = shapeParams(detail);
      run();
    });
    T.on("draw:clear", () => { lastShape = null; document.getElementById("query-results").replaceChildren(); });
    T.on("filters:change", () => { if (lastShape) { run(); } });
    T.on("layers:change", (detail) => followActive(detail.active));
    document.getElementById("query-layer").addEventListener("change", () => { if (lastShape) { run(); } });
  });
})();
