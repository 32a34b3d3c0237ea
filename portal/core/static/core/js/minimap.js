/* Detail-page maps: the record and its related records over the offline basemap (division
 * boundaries from the registry), and a before/after map for each geometry a change edited.
 * Data arrives in json_script elements; nothing is fetched from another host. */
(function () {
  "use strict";

  var STYLES = {
    primary: { color: "#0b6e4f", weight: 3, fillColor: "#0b6e4f", fillOpacity: 0.3 },
    context: { color: "#3e4c59", weight: 2, dashArray: "5 4", fillColor: "#3e4c59", fillOpacity: 0.1 },
    before: { color: "#c23b22", weight: 2, dashArray: "6 4", fillColor: "#c23b22", fillOpacity: 0.12 },
    after: { color: "#0b6e4f", weight: 3, fillColor: "#0b6e4f", fillOpacity: 0.3 }
  };
  var BASEMAP_STYLE = { color: "#9aa5b1", weight: 1, fillColor: "#ffffff", fillOpacity: 1, interactive: false };
  var basemaps = {};

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function loadBasemap(url) {
    if (!basemaps[url]) {
      basemaps[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) { throw new Error("basemap " + response.status); }
        return response.json();
      });
    }
    return basemaps[url];
  }

  function shapes(geojson, style) {
    return window.L.geoJSON(geojson, {
      style: function () { return style; },
      pointToLayer: function (feature, latlng) {
        return window.L.circleMarker(latlng, Object.assign({ radius: 7 }, style));
      },
      onEachFeature: function (feature, layer) {
        var label = feature.properties && feature.properties.label;
        if (label) {
          // As text: Leaflet puts a string tooltip into innerHTML, and labels are registry text.
          var text = document.createElement("span");
          text.textContent = label;
          layer.bindTooltip(text);
        }
      }
    });
  }

  function newMap(element, attribution) {
    var map = window.L.map(element, { scrollWheelZoom: false, zoomSnap: 0.5 });
    map.attributionControl.setPrefix("Leaflet");
    if (attribution) { map.attributionControl.addAttribution(attribution); }
    return map;
  }

  function fit(map, layers) {
    var bounds = window.L.featureGroup(layers).getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { maxZoom: 17, padding: [20, 20] });
    } else {
      map.setView([30.66, 104.07], 6);
    }
  }

  function underlay(map, url) {
    if (!url) { return; }
    loadBasemap(url).then(function (collection) {
      window.L.geoJSON(collection, { style: function () { return BASEMAP_STYLE; } }).addTo(map).bringToBack();
    });
  }

  function drawRecord(element, data) {
    var map = newMap(element, data.attribution);
    var context = data.context.map(function (item) { return shapes(item, STYLES.context).addTo(map); });
    var primary = shapes(data.primary, STYLES.primary).addTo(map);
    fit(map, [primary]);
    context.forEach(function (layer) { layer.bringToBack(); });
    underlay(map, data.basemap);
  }

  function drawDiff(element, diff, record) {
    var map = newMap(element, record && record.attribution);
    var layers = [];
    if (diff.before) { layers.push(shapes(diff.before, STYLES.before).addTo(map)); }
    if (diff.after) { layers.push(shapes(diff.after, STYLES.after).addTo(map)); }
    fit(map, layers);
    underlay(map, record && record.basemap);
  }

  function start() {
    if (!window.L) { return; }
    var record = readJSON("minimap-data");
    document.querySelectorAll("[data-minimap]").forEach(function (element) {
      var data = readJSON(element.getAttribute("data-minimap"));
      if (data && data.primary) { drawRecord(element, data); }
    });
    var diffs = readJSON("history-diffs") || {};
    document.querySelectorAll("[data-diff]").forEach(function (element) {
      var diff = diffs[element.getAttribute("data-diff")];
      if (diff) { drawDiff(element, diff, record); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
