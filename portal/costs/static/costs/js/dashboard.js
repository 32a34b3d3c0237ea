/* The running-cost choropleth: divisions coloured by the chosen indicator, drawn with the
 * vendored Leaflet from json_script data. The colours and printed values come from the server
 * (the same classes as the PDF report), so this script only draws and labels them. The
 * divisions themselves are the basemap: no tile is loaded from any host. */
(function () {
  "use strict";

  var OUTLINE = { color: "#52606d", weight: 1, fillOpacity: 0.85 };
  var HOVER = { weight: 2.5, color: "#1f2933" };

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function colourSwatches() {
    document.querySelectorAll(".costs-dashboard [data-colour]").forEach(function (element) {
      element.style.backgroundColor = element.getAttribute("data-colour");
    });
  }

  function tooltip(properties, strings) {
    var wrapper = document.createElement("div");
    wrapper.className = "costs-tooltip";
    var name = document.createElement("strong");
    name.textContent = properties.name;
    wrapper.appendChild(name);
    var lines = properties.value === null
      ? [strings.no_data]
      : [properties.text, strings.units + "：" + properties.units,
         strings.total + "：" + properties.total_yuan];
    lines.forEach(function (text) {
      var line = document.createElement("span");
      line.textContent = text;
      wrapper.appendChild(line);
      wrapper.appendChild(document.createElement("br"));
    });
    return wrapper;
  }

  function draw(element, regions, strings) {
    var map = window.L.map(element, { zoomSnap: 0.25, scrollWheelZoom: false });
    map.attributionControl.setPrefix("Leaflet");
    var layer = window.L.geoJSON(regions, {
      style: function (feature) {
        return Object.assign({ fillColor: feature.properties.colour }, OUTLINE);
      },
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(tooltip(feature.properties, strings), { sticky: true });
        shape.on("mouseover", function () { shape.setStyle(HOVER); });
        shape.on("mouseout", function () { layer.resetStyle(shape); });
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [10, 10] });
    } else {
      map.setView([30.6, 104.0], 6);
    }
    window.L.control.scale({ imperial: false }).addTo(map);
    element.setAttribute("data-drawn", String(regions.features.length));
    return map;
  }

  function start() {
    colourSwatches();
    var element = document.getElementById("costs-map");
    var regions = readJSON("costs-regions");
    if (!element || !regions || !window.L) { return; }
    draw(element, regions, readJSON("costs-strings"));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
