/* "Locate me": the browser's position (which needs HTTPS or localhost) marked with its accuracy
 * circle. A refusal or failure is said in the status line; nothing else changes. Browsers give
 * WGS84, the registry's datum, so the mark goes in the data pane and follows a GCJ-02 shift. */
(function () {
  "use strict";
  const T = window.Tianfu;
  const ZOOM = 15;
  let mark = null;

  function found(map, position) {
    const { latitude, longitude, accuracy } = position.coords;
    const point = L.latLng(latitude, longitude);
    if (mark) { map.removeLayer(mark); }
    mark = L.layerGroup([
      L.circle(point, { radius: accuracy, pane: "tianfu-marks", weight: 1, color: "#1565c0", fillOpacity: 0.1, interactive: false }),
      L.circleMarker(point, { radius: 7, pane: "tianfu-marks", color: "#ffffff", weight: 2, fillColor: "#1565c0", fillOpacity: 1, interactive: false }),
    ]).addTo(map);
    map.flyTo(T.display.toDisplay(point), Math.max(map.getZoom(), ZOOM), { duration: 0.8 });
    T.status(T.t("located", { metres: Math.round(accuracy) }));
  }

  function failed(error) {
    T.status(error && error.code === 1 ? T.t("locate_denied") : T.t("locate_failed"));
  }

  window.addEventListener("map:init", (event) => {
    const map = event.detail.map;
    document.getElementById("map-locate").addEventListener("click", () => {
      if (!navigator.geolocation) { failed(null); return; }
      T.status(T.t("locating"));
      navigator.geolocation.getCurrentPosition((position) => found(map, position), failed,
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });
  });
})();
