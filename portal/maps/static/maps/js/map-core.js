/* Creates the map, its panes and standard controls, then dispatches "map:init" (the pattern of
 * django-leaflet) so that each module adds its part. Loaded last: the modules listen already. */
(function () {
  "use strict";
  const T = window.Tianfu;
  const view = T.config.view;

  // Our panes, bottom to top: basemap fills (or a tile basemap), relief, boundary lines, division
  // labels, registry data, then markers of search and location. Their names let display.js shift the data panes
  // as one over a GCJ-02 basemap.
  const PANES = [
    ["tianfu-fills", 150], ["tianfu-relief", 160], ["tianfu-lines", 170],
    ["tianfu-labels", 380], ["tianfu-data", 410], ["tianfu-marks", 620],
  ];

  const map = L.map("map", {
    center: view.center,
    zoom: view.zoom,
    minZoom: view.min_zoom,
    maxZoom: view.max_zoom,
    zoomControl: false,
    attributionControl: false,
  });
  PANES.forEach(([name, zIndex]) => { map.createPane(name).style.zIndex = String(zIndex); });
  map.getPane("tianfu-labels").style.pointerEvents = "none";

  L.control.zoom({ position: "topright" }).addTo(map);
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  // No "Leaflet" link prefix: the page must not point anywhere outside the portal.
  L.control.attribution({ prefix: false, position: "bottomright" }).addTo(map);
  map.getContainer().setAttribute("aria-label", document.getElementById("map").dataset.label);

  T.map = map;
  window.dispatchEvent(new CustomEvent("map:init", { detail: { map: map } }));
  T.emit("ready", { map: map });
})();
