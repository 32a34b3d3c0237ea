/* A need's map: the delivery building, each warehouse candidate's point and a line from it to
 * the building, over the offline basemap. A candidate's tooltip gives its rank, asset and
 * holder; a click opens its listing (see warehouse-map.js). */
(function () {
  "use strict";

  var CANDIDATE = { radius: 7, color: "#f57c00", weight: 2, fillColor: "#f57c00", fillOpacity: 0.5 };
  var DELIVERY = { radius: 9, color: "#0b6e4f", weight: 3, fillColor: "#0b6e4f", fillOpacity: 0.6 };
  var LINE = { color: "#f57c00", weight: 2, opacity: 0.7, dashArray: "4 4", className: "needs-line" };
  var W = window.TianfuWarehouseMap;

  function fill(data, group) {
    window.L.geoJSON(W.collection(data.lines || []), { style: function () { return LINE; } }).addTo(group);
    W.points(data.candidates || [], CANDIDATE).addTo(group);
    if (data.delivery) { W.points([data.delivery], DELIVERY).addTo(group); }
  }

  W.each("data-needs-map", function (element, data) {
    if (!(data.candidates && data.candidates.length) && !data.delivery) { return; }
    W.show(element, data, function (group) { fill(data, group); });
  });
})();
