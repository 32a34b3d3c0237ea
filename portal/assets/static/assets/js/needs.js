/* A need's map: the delivery building, each warehouse candidate's point and a line from it to
 * the building, over the offline basemap (division boundaries from the registry). A candidate's
 * tooltip gives its rank, asset and holder; a click opens its listing. Data arrives in a
 * json_script element; nothing is fetched from another host. */
(function () {
  "use strict";

  var CANDIDATE = { radius: 7, color: "#f57c00", weight: 2, fillColor: "#f57c00", fillOpacity: 0.5 };
  var DELIVERY = { radius: 9, color: "#0b6e4f", weight: 3, fillColor: "#0b6e4f", fillOpacity: 0.6 };
  var LINE = { color: "#f57c00", weight: 2, opacity: 0.7, dashArray: "4 4", className: "needs-line" };
  var BASEMAP_STYLE = { color: "#9aa5b1", weight: 1, fillColor: "#ffffff", fillOpacity: 1, interactive: false };

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function collection(features) {
    return { type: "FeatureCollection", features: features };
  }

  function points(features, style) {
    return window.L.geoJSON(collection(features), {
      pointToLayer: function (feature, latlng) { return window.L.circleMarker(latlng, style); },
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
    }).then(function (boundaries) {
      window.L.geoJSON(boundaries, { style: function () { return BASEMAP_STYLE; } }).addTo(map).bringToBack();
    });
  }

  function draw(element, data) {
    var map = window.L.map(element, { scrollWheelZoom: false, zoomSnap: 0.5 });
    map.attributionControl.setPrefix("Leaflet");
    if (data.attribution) { map.attributionControl.addAttribution(data.attribution); }
    var group = window.L.featureGroup().addTo(map);
    window.L.geoJSON(collection(data.lines || []), { style: function () { return LINE; } }).addTo(group);
    points(data.candidates || [], CANDIDATE).addTo(group);
    if (data.delivery) { points([data.delivery], DELIVERY).addTo(group); }
    var bounds = group.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { maxZoom: 15, padding: [20, 20] });
    } else {
      map.setView([30.66, 104.07], 6);
    }
    underlay(map, data.basemap);
  }

  function start() {
    if (!window.L) { return; }
    document.querySelectorAll("[data-needs-map]").forEach(function (element) {
      var data = readJSON(element.getAttribute("data-needs-map"));
      if (data && ((data.candidates && data.candidates.length) || data.delivery)) { draw(element, data); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
