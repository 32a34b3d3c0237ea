/* A choropleth of divisions drawn with the vendored Leaflet from json_script data, shared by
 * the title campaign and the running-cost dashboard. The colours and printed values come from
 * the server (the same classes as the PDF reports), so this only draws and labels them; the
 * divisions themselves are the basemap: no tile is loaded from any host.
 *
 * TianfuChoropleth.start({scope, map, regions, strings, tooltipClass, lines}) draws the map in
 * the element with id `map` from the json_script `regions`, once the page is parsed; `lines`
 * turns a division's properties (and the `strings` json_script) into its tooltip's lines. */
(function () {
  "use strict";

  var OUTLINE = { color: "#52606d", weight: 1, fillOpacity: 0.85 };
  var HOVER = { weight: 2.5, color: "#1f2933" };

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function colourSwatches(scope) {
    document.querySelectorAll(scope + " [data-colour]").forEach(function (element) {
      element.style.backgroundColor = element.getAttribute("data-colour");
    });
  }

  function tooltip(properties, strings, options) {
    var wrapper = document.createElement("div");
    wrapper.className = options.tooltipClass;
    var name = document.createElement("strong");
    name.textContent = properties.name;
    wrapper.appendChild(name);
    options.lines(properties, strings).forEach(function (text) {
      var line = document.createElement("span");
      line.textContent = text;
      wrapper.appendChild(line);
      wrapper.appendChild(document.createElement("br"));
    });
    return wrapper;
  }

  function draw(element, regions, strings, options) {
    var map = window.L.map(element, { zoomSnap: 0.25, scrollWheelZoom: false });
    map.attributionControl.setPrefix("Leaflet");
    var layer = window.L.geoJSON(regions, {
      style: function (feature) {
        return Object.assign({ fillColor: feature.properties.colour }, OUTLINE);
      },
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(tooltip(feature.properties, strings, options), { sticky: true });
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

  function start(options) {
    colourSwatches(options.scope);
    var element = document.getElementById(options.map);
    var regions = readJSON(options.regions);
    if (!element || !regions || !window.L) { return; }
    draw(element, regions, readJSON(options.strings), options);
  }

  window.TianfuChoropleth = {
    start: function (options) {
      if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", function () { start(options); });
      } else {
        start(options);
      }
    }
  };
})();
