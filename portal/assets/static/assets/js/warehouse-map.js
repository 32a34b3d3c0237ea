/* What the warehouse's small maps share: reading their json_script data, drawing points with a
 * tooltip and a link, a map fitted to what it draws, and the offline basemap (division
 * boundaries from the registry) underneath. Loaded before warehouse.js and needs.js; nothing is
 * fetched from another host. */
(function () {
  "use strict";

  var BASEMAP_STYLE = { color: "#9aa5b1", weight: 1, fillColor: "#ffffff", fillOpacity: 1, interactive: false };
  var SICHUAN = [30.66, 104.07];

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

  /* A map in ``element`` showing what ``fill(group)`` adds, over the basemap of ``data``. */
  function show(element, data, fill) {
    var map = window.L.map(element, { scrollWheelZoom: false, zoomSnap: 0.5 });
    map.attributionControl.setPrefix("Leaflet");
    if (data.attribution) { map.attributionControl.addAttribution(data.attribution); }
    var group = window.L.featureGroup().addTo(map);
    fill(group);
    var bounds = group.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { maxZoom: 15, padding: [20, 20] });
    } else {
      map.setView(SICHUAN, 6);
    }
    underlay(map, data.basemap);
  }

  /* Run ``draw(element, data)`` for each element carrying ``attribute`` once the page is read. */
  function each(attribute, draw) {
    function start() {
      if (!window.L) { return; }
      document.querySelectorAll("[" + attribute + "]").forEach(function (element) {
        var data = readJSON(element.getAttribute(attribute));
        if (data) { draw(element, data); }
      });
    }
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", start);
    } else {
      start();
    }
  }

  window.TianfuWarehouseMap = { collection: collection, points: points, show: show, each: each };
})();
