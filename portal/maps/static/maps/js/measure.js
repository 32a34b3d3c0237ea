/* Measuring on the ellipsoid (WGS84, which CGCS2000 matches to well under a metre) with
 * GeographicLib, as the server does with pyproj: never planar Web Mercator lengths or areas,
 * which are ~15 % too large at Sichuan's latitudes. Leaflet's own distance (scale bar, geoman's
 * circle radius) uses a sphere; it is pointed at the same geodesic so that a circle drawn to
 * query "within N metres" means N metres on the ellipsoid. */
(function () {
  "use strict";
  const T = window.Tianfu;
  const geod = window.geodesic.Geodesic.WGS84;

  function distance(a, b) {
    return geod.Inverse(a.lat, a.lng, b.lat, b.lng).s12;
  }
  // Leaflet compares a CRS's distance with Earth's to pick its circle projection: keep them equal.
  L.CRS.Earth.distance = distance;
  L.CRS.EPSG3857.distance = distance;

  function points(layer) {
    const latlngs = layer.getLatLngs();
    const flat = Array.isArray(latlngs[0]) ? latlngs[0] : latlngs;
    return flat.map((latlng) => T.display.toData(latlng));
  }

  function length(vertices) {
    let total = 0;
    for (let i = 1; i < vertices.length; i += 1) { total += distance(vertices[i - 1], vertices[i]); }
    return total;
  }

  function area(vertices) {
    const polygon = geod.Polygon(false);
    vertices.forEach((vertex) => polygon.AddPoint(vertex.lat, vertex.lng));
    return Math.abs(polygon.Compute(false, true).area);
  }

  function describe(shape, vertices) {
    if (shape === "Line") { return `${T.t("distance")}：${T.formatLength(length(vertices))}`; }
    if (vertices.length < 3) { return T.t("measure_hint"); }
    return `${T.t("area")}：${T.formatArea(area(vertices))}`;
  }

  T.measure = { length: length, area: area, distance: distance };

  window.addEventListener("map:init", () => {
    T.on("measure:start", (detail) => {
      detail.layer.on("pm:vertexadded", () => T.status(describe(detail.shape, points(detail.layer))));
    });
    T.on("draw:measure", (detail) => {
      const text = describe(detail.shape, points(detail.layer));
      detail.layer.bindTooltip(text, { permanent: true, direction: "center", className: "measure-label" }).openTooltip();
      T.status(text);
    });
  });
})();
