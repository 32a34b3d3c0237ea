/* Offline basemap for the admin's Leaflet widgets: the registry's own division boundaries.
 * Hooked in through django-leaflet's map:init event; nothing is fetched from another host. */
(function () {
  "use strict";
  var url = "/divisions/basemap.geojson";
  var cached = null;

  function load() {
    if (!cached) {
      cached = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) { throw new Error("basemap " + response.status); }
        return response.json();
      });
    }
    return cached;
  }

  function style(feature) {
    var level = feature.properties.level;
    return {
      color: level === "county" ? "#9aa5b1" : "#52606d",
      weight: level === "county" ? 1 : 2,
      fill: level === "county",
      fillColor: "#f5f7fa",
      fillOpacity: 1,
      interactive: false
    };
  }

  window.addEventListener("map:init", function (event) {
    var map = event.detail.map;
    load().then(function (collection) {
      var layer = window.L.geoJSON(collection, { style: style }).addTo(map);
      layer.bringToBack();
    });
  });
})();
