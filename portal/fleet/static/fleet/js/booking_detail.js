/* A booking's map: its origin (green), its destination (red) and the straight line between
 * them, over the offline basemap, drawn with assets/js/warehouse-map.js. */
(function () {
  "use strict";

  var ORIGIN = { radius: 8, color: "#2f8132", weight: 3, fillColor: "#2f8132", fillOpacity: 0.7 };
  var DESTINATION = { radius: 8, color: "#c23b22", weight: 3, fillColor: "#c23b22", fillOpacity: 0.7 };
  var LINE = { color: "#334e68", weight: 2, dashArray: "6 4", className: "booking-line" };
  var W = window.TianfuWarehouseMap; // assets/js/warehouse-map.js, loaded first
  if (!W) { return; }

  W.each("data-booking-map", function (element, data) {
    W.show(element, data, function (group) {
      if (data.line) { window.L.geoJSON(data.line, { style: function () { return LINE; } }).addTo(group); }
      if (data.origin) { W.points([data.origin], ORIGIN).addTo(group); }
      if (data.destination) { W.points([data.destination], DESTINATION).addTo(group); }
    }, 12);
    element.setAttribute("data-ready", "true");
  });
})();
