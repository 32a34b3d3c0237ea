/* The warehouse list's map: the page's listings as points over the offline basemap (division
 * boundaries from the registry); a point's tooltip names the asset, a click opens its listing.
 * Data arrives in a json_script element; nothing is fetched from another host. */
(function () {
  "use strict";

  var POINT = { radius: 7, color: "#f57c00", weight: 2, fillColor: "#f57c00", fillOpacity: 0.5 };
  var BASEMAP_STYLE = { color: "#9aa5b1", weight: 1, fillColor: "#ffffff", fillOpacity: 1, interactive: false };

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function points(features) {
    return window.L.geoJSON({ type: "FeatureCollection", features: features }, {
      pointToLayer: function (feature, latlng) { return window.L.circleMarker(latlng, POINT); },
      onEachFeature: function (feature, layer) {
        var properties = feature.properties || {};
        if (properties.label) { layer.bindTooltip(properties.label); }
        if (properties.url) {
          layer.on("click", function () { window.location.assign(properties.url); });
        }
      }
    });
  }

  function underlay(map, url) {
    if (!url) { return; }
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error("basemap " + response.status); }
      return response.json();
    }).then(function (collection) {
      window.L.geoJSON(collection, { style: function () { return BASEMAP_STYLE; } }).addTo(map).bringToBack();
    });
  }

  function draw(element, data) {
    var map = window.L.map(element, { scrollWheelZoom: false, zoomSnap: 0.5 });
    map.attributionControl.setPrefix("Leaflet");
    if (data.attribution) { map.attributionControl.addAttribution(data.attribution); }
    var layer = points(data.features).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { maxZoom: 15, padding: [20, 20] });
    } else {
      map.setView([30.66, 104.07], 6);
    }
    underlay(map, data.basemap);
  }

  function start() {
    if (!window.L) { return; }
    document.querySelectorAll("[data-warehouse-map]").forEach(function (element) {
      var data = readJSON(element.getAttribute("data-warehouse-map"));
      if (data && data.features && data.features.length) { draw(element, data); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
