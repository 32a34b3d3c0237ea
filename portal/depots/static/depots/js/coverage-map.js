/* A coverage analysis' map: the depots' areas within the travel time and within the radius, the
 * gap map (uncovered populated cells) and the depots, fetched from the analysis' map.json, over
 * the offline basemap (division boundaries from the registry), with a switch per layer. The
 * configuration comes from a json_script element; nothing is fetched from another host. */
(function () {
  "use strict";

  var BASEMAP_STYLE = { color: "#9aa5b1", weight: 1, fillColor: "#ffffff", fillOpacity: 1, interactive: false };
  var STYLES = {
    time: { color: "#0b6e4f", weight: 1, fillColor: "#0b6e4f", fillOpacity: 0.25 },
    radius: { color: "#1f6feb", weight: 1, dashArray: "4 4", fill: true, fillOpacity: 0.05 },
    gaps: { color: "#c23b22", weight: 0.5, fillColor: "#c23b22", fillOpacity: 0.45 }
  };
  var DEPOT = { radius: 5, color: "#3e4c59", weight: 2, fillColor: "#ffffff", fillOpacity: 1 };
  var SICHUAN = [30.66, 104.07];

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(url + " " + response.status); }
        return response.json();
      });
  }

  /* An element holding the text as text: Leaflet puts a string tooltip into innerHTML, and a
   * depot or county name is registry text. */
  function tooltip(properties, strings, key) {
    var count = properties[key];
    var text = properties.label || "";
    if (typeof count === "number") {
      text += " · " + count.toLocaleString() + " " + (key === "uncovered" ? strings.uncovered : strings.people);
    }
    var element = document.createElement("span");
    element.textContent = text;
    return element;
  }

  function areas(collection, style, strings, key) {
    return window.L.geoJSON(collection, {
      style: function () { return style; },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(tooltip(feature.properties || {}, strings, key), { sticky: true });
      }
    });
  }

  function depots(collection, strings) {
    return window.L.geoJSON(collection, {
      pointToLayer: function (feature, latlng) { return window.L.circleMarker(latlng, DEPOT); },
      onEachFeature: function (feature, layer) {
        var properties = feature.properties || {};
        layer.bindTooltip(tooltip(properties, strings, "time"));
        if (properties.url) {
          layer.on("click", function () { window.location.assign(properties.url); });
        }
      }
    });
  }

  function underlay(map, url) {
    fetchJSON(url).then(function (boundaries) {
      window.L.geoJSON(boundaries, { style: function () { return BASEMAP_STYLE; } }).addTo(map).bringToBack();
    });
  }

  function draw(element, config, layers) {
    var strings = config.strings;
    var map = window.L.map(element, { scrollWheelZoom: false, zoomSnap: 0.5 });
    map.attributionControl.setPrefix("Leaflet");
    map.attributionControl.addAttribution(config.attribution);
    var overlays = {};
    overlays[strings.radius] = areas(layers.radius, STYLES.radius, strings, "people").addTo(map);
    overlays[strings.time] = areas(layers.time, STYLES.time, strings, "people").addTo(map);
    overlays[strings.gaps] = areas(layers.gaps, STYLES.gaps, strings, "uncovered").addTo(map);
    overlays[strings.depots] = depots(layers.depots, strings).addTo(map);
    window.L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    var bounds = window.L.featureGroup(Object.values(overlays)).getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [20, 20] });
    } else {
      map.setView(SICHUAN, 6);
    }
    underlay(map, config.basemap);
    element.setAttribute("data-ready", "true");
  }

  function start() {
    if (!window.L) { return; }
    document.querySelectorAll("[data-coverage-map]").forEach(function (element) {
      var config = readJSON(element.getAttribute("data-coverage-map"));
      if (!config) { return; }
      fetchJSON(config.url).then(function (layers) { draw(element, config, layers); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
