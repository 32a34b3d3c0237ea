/* What the small maps of the warehouse and depot pages share: reading their json_script data,
 * drawing points with a tooltip and a link, a map fitted to what it draws, and the offline
 * basemap (division boundaries from the registry) underneath. Loaded before warehouse.js,
 * needs.js, scenario-map.js and incidents.js; nothing is fetched from another host. */
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

  /* Registry text as a tooltip: Leaflet puts a string tooltip into innerHTML, so a name such as
   * "<img onerror=…>" would run; an element holding the text as text cannot. */
  function textTooltip(text) {
    var element = document.createElement("span");
    element.textContent = text;
    return element;
  }

  function points(features, style) {
    return window.L.geoJSON(collection(features), {
      pointToLayer: function (feature, latlng) { return window.L.circleMarker(latlng, style); },
      onEachFeature: function (feature, layer) {
        var properties = feature.properties || {};
        if (properties.label) { layer.bindTooltip(textTooltip(properties.label)); }
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

  /* A map in ``element`` over the basemap of ``data``; its caller sets the view. */
  function base(element, data) {
    var map = window.L.map(element, { scrollWheelZoom: false, zoomSnap: 0.5 });
    map.attributionControl.setPrefix("Leaflet");
    if (data.attribution) { map.attributionControl.addAttribution(data.attribution); }
    underlay(map, data.basemap);
    return map;
  }

  /* A map in ``element`` showing what ``fill(group)`` adds (zoomed in to ``maxZoom`` at most),
   * over the basemap of ``data``. */
  function show(element, data, fill, maxZoom) {
    var map = base(element, data);
    var group = window.L.featureGroup().addTo(map);
    fill(group);
    var bounds = group.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { maxZoom: maxZoom || 15, padding: [20, 20] });
    } else {
      map.setView(SICHUAN, 6);
    }
    return map;
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

  window.TianfuWarehouseMap = {
    SICHUAN: SICHUAN, collection: collection, points: points, base: base, show: show, each: each,
    textTooltip: textTooltip
  };
})();
