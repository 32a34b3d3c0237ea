/* The campaign's choropleth: divisions coloured by the share of cases registered, drawn with
 * the vendored Leaflet from json_script data. The colours are computed by the server (the same
 * classes as the PDF report and the folium map), so this script only draws and labels them.
 * The divisions themselves are the basemap: no tile is loaded from any host. */
(function () {
  "use strict";

  var OUTLINE = { color: "#52606d", weight: 1, fillOpacity: 0.85 };
  var HOVER = { weight: 2.5, color: "#1f2933" };

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function colourSwatches() {
    document.querySelectorAll(".campaign [data-colour]").forEach(function (element) {
      element.style.backgroundColor = element.getAttribute("data-colour");
    });
  }

  function tooltip(properties, strings) {
    var wrapper = document.createElement("div");
    wrapper.className = "campaign-tooltip";
    var name = document.createElement("strong");
    name.textContent = properties.name;
    wrapper.appendChild(name);
    var lines = properties.total
      ? [strings.share + "：" + properties.share + "%", strings.cases + "：" + properties.total,
         strings.overdue + "：" + properties.overdue]
      : [strings.no_cases];
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
    return map;
  }

  function start() {
    colourSwatches();
    var element = document.getElementById("campaign-map");
    var regions = readJSON("campaign-regions");
    if (!element || !regions || !window.L) { return; }
    draw(element, regions, readJSON("campaign-strings"));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
