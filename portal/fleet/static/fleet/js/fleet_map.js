/* The fleet map: vehicles at their last known position (fresh: filled; stale: dashed ring) or
 * at their base (grey square marker), and the bookings of the chosen days as lines coloured by
 * state or by region class (a radio switch, the same data twice). Both layers are GeoJSON from
 * the portal; the configuration comes from a json_script element; nothing from another host. */
(function () {
  "use strict";

  var BASEMAP_STYLE = { color: "#9aa5b1", weight: 1, fillColor: "#ffffff", fillOpacity: 1, interactive: false };
  var VEHICLE = {
    fresh: { radius: 6, color: "#0b6e4f", weight: 2, fillColor: "#0b6e4f", fillOpacity: 0.9 },
    stale: { radius: 6, color: "#b7791f", weight: 2, dashArray: "3 3", fillColor: "#ffffff", fillOpacity: 1 },
    base: { radius: 4, color: "#616e7c", weight: 1, fillColor: "#9aa5b1", fillOpacity: 0.9 }
  };
  var COLOURS = {
    status: {
      submitted: "#9aa5b1", approved: "#1f6feb", assigned: "#7c3aed",
      completed: "#0b6e4f", rejected: "#c23b22", cancelled: "#c23b22"
    },
    region_class: {
      sichuan: "#1f6feb", chongqing: "#b7791f", cross_province: "#c23b22",
      cooperation: "#0b6e4f", outside: "#3e4c59"
    }
  };
  var SICHUAN = [30.66, 104.07];

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(url + " " + response.status); }
        return response.json();
      });
  }

  /* Tooltips as text nodes: plates, unit names and place labels are registry text. */
  function label(parts) {
    var element = document.createElement("span");
    element.textContent = parts.filter(function (part) { return part; }).join(" · ");
    return element;
  }

  function linkOnClick(layer, url) {
    if (url) { layer.on("click", function () { window.location.assign(url); }); }
  }

  function vehicles(collection, config) {
    return window.L.geoJSON(collection, {
      pointToLayer: function (feature, latlng) {
        return window.L.circleMarker(latlng, VEHICLE[feature.properties.state] || VEHICLE.base);
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        layer.bindTooltip(label([p.plate, p.holder, config.strings[p.state], p.last_position_at]));
        linkOnClick(layer, p.url);
      }
    });
  }

  function bookings(collection, config, key) {
    return window.L.geoJSON(collection, {
      style: function (feature) {
        return { color: COLOURS[key][feature.properties[key]] || "#3e4c59", weight: 3, opacity: 0.85 };
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        layer.bindTooltip(label([
          p.origin + " → " + p.destination, p.unit, config.status[p.status],
          config.region_class[p.region_class], p.plate
        ]), { sticky: true });
        linkOnClick(layer, p.url);
      }
    });
  }

  function legend(config, key) {
    var element = document.getElementById("fleet-line-legend");
    if (!element) { return; }
    element.textContent = "";
    var names = config[key];
    Object.keys(names).forEach(function (value) {
      var swatch = document.createElement("span");
      swatch.className = "fleet-line-swatch fleet-line-" + value;
      element.appendChild(swatch);
      element.appendChild(document.createTextNode(names[value]));
    });
  }

  function underlay(map, url, element) {
    fetchJSON(url).then(function (boundaries) {
      window.L.geoJSON(boundaries, { style: function () { return BASEMAP_STYLE; } }).addTo(map).bringToBack();
      element.setAttribute("data-basemap", "true");
    });
  }

  function draw(element, config, fleet, trips) {
    var strings = config.strings;
    var map = window.L.map(element, { scrollWheelZoom: false, zoomSnap: 0.5 });
    map.attributionControl.setPrefix("Leaflet");
    map.attributionControl.addAttribution(config.attribution);
    var byStatus = bookings(trips, config, "status").addTo(map);
    var colourings = {};
    colourings[strings.by_status] = byStatus;
    colourings[strings.by_region] = bookings(trips, config, "region_class");
    var overlays = {};
    overlays[strings.vehicles] = vehicles(fleet, config).addTo(map);
    window.L.control.layers(colourings, overlays, { collapsed: false }).addTo(map);
    legend(config, "status");
    map.on("baselayerchange", function (event) {
      legend(config, event.layer === byStatus ? "status" : "region_class");
    });
    var bounds = window.L.featureGroup([byStatus, overlays[strings.vehicles]]).getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 13 });
    } else {
      map.setView(SICHUAN, 6);
    }
    underlay(map, config.basemap, element);
    element.setAttribute("data-vehicles", String(fleet.features.length));
    element.setAttribute("data-bookings", String(trips.features.length));
    element.setAttribute("data-ready", "true");
  }

  function start() {
    if (!window.L) { return; }
    document.querySelectorAll("[data-fleet-map]").forEach(function (element) {
      var config = readJSON(element.getAttribute("data-fleet-map"));
      if (!config) { return; }
      Promise.all([fetchJSON(config.vehicles), fetchJSON(config.bookings)]).then(function (layers) {
        draw(element, config, layers[0], layers[1]);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
