/* Siting scenario maps, over the offline basemap (division boundaries from the registry):
 * - a scenario's results: the region's outline, the existing depots kept (grey) and the new
 *   sites (orange), each with its label and the people it serves; a click opens its record
 *   (drawn with assets/js/warehouse-map.js);
 * - the new-scenario form: a click on the map adds "longitude,latitude" to the drawn sites
 *   and marks the point. */
(function () {
  "use strict";

  var EXISTING = { radius: 6, color: "#3e4c59", weight: 2, fillColor: "#9aa5b1", fillOpacity: 0.8 };
  var NEW = { radius: 8, color: "#c65102", weight: 2, fillColor: "#f57c00", fillOpacity: 0.8 };
  var DRAWN = { radius: 6, color: "#c65102", weight: 2, fillColor: "#ffffff", fillOpacity: 1, className: "scenario-drawn" };
  var REGION = { color: "#1f6feb", weight: 1.5, fillOpacity: 0.03, interactive: false };
  var W = window.TianfuWarehouseMap;
  if (!W) { return; }

  W.each("data-scenario-map", function (element, data) {
    W.show(element, data, function (group) {
      if (data.region) {
        window.L.geoJSON(data.region, { style: function () { return REGION; } }).addTo(group);
      }
      W.points(data.existing || [], EXISTING).addTo(group);
      W.points(data.new || [], NEW).addTo(group);
    });
  });

  function round(value) { return Math.round(value * 1e6) / 1e6; }

  function drawing(element, data) {
    var target = document.getElementById(element.getAttribute("data-target"));
    if (!target) { return; }
    var map = W.base(element, data).setView(W.SICHUAN, 6);
    var drawn = window.L.featureGroup().addTo(map);
    map.on("click", function (event) {
      var line = round(event.latlng.lng) + "," + round(event.latlng.lat);
      var text = target.value.replace(/\s+$/, "");
      target.value = text ? text + "\n" + line : line;
      window.L.circleMarker(event.latlng, DRAWN).bindTooltip(line).addTo(drawn);
    });
  }

  W.each("data-scenario-draw", drawing);
})();
