/* Display coordinates. Over a GCJ-02 basemap (AMap, Tencent) the registry's WGS84/CGCS2000 data
 * would sit a few hundred metres off, so the data panes are translated by the GCJ-02 offset at
 * the centre of the view. The offset changes by at most metres across a view at street zoom and
 * is below a pixel at province zoom, so one shift per view is exact enough for display; the data
 * themselves are never converted. toDisplay/toData convert single points (search targets, drawn
 * query shapes) between the registry and the screen. */
(function () {
  "use strict";
  const T = window.Tianfu;
  const SHIFTED_PANES = ["tianfu-lines", "tianfu-labels", "tianfu-data", "tianfu-marks"];
  let gcj02 = false;

  function toDisplay(latlng) {
    if (!gcj02) { return L.latLng(latlng); }
    const [lon, lat] = T.gcj02.wgs84ToGcj02(latlng.lng, latlng.lat);
    return L.latLng(lat, lon);
  }

  function toData(latlng) {
    if (!gcj02) { return L.latLng(latlng); }
    const [lon, lat] = T.gcj02.gcj02ToWgs84(latlng.lng, latlng.lat);
    return L.latLng(lat, lon);
  }

  function shiftPanes(map) {
    let transform = "";
    if (gcj02) {
      const centre = map.getCenter();
      const offset = map.latLngToLayerPoint(toDisplay(centre)).subtract(map.latLngToLayerPoint(centre));
      transform = `translate3d(${offset.x}px, ${offset.y}px, 0)`;
    }
    SHIFTED_PANES.forEach((name) => { map.getPane(name).style.transform = transform; });
  }

  T.display = {
    toDisplay: toDisplay,
    toData: toData,
    isGcj02: () => gcj02,
    setGcj02(map, value) {
      gcj02 = Boolean(value);
      map.getContainer().classList.toggle("map--gcj02", gcj02);
      shiftPanes(map);
    },
  };

  window.addEventListener("map:init", (event) => {
    const map = event.detail.map;
    map.on("moveend zoomend viewreset resize", () => shiftPanes(map));
  });
})();
