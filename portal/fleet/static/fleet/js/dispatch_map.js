/* The dispatch page's map over the offline basemap (division boundaries from the registry),
 * drawn with assets/js/warehouse-map.js: the trip's origin and destination, each suggested
 * vehicle where it stands (tooltip: rank, plate, road km) and a dashed line from it to the
 * origin. Data comes through json_script; nothing is fetched from another host. */
(function () {
  "use strict";

  var ORIGIN = { radius: 9, color: "#c23b22", weight: 3, fillColor: "#c23b22", fillOpacity: 0.7 };
  var DESTINATION = { radius: 7, color: "#2e7d32", weight: 2, fillColor: "#2e7d32", fillOpacity: 0.6 };
  var VEHICLE = { radius: 7, color: "#1565c0", weight: 2, fillColor: "#1565c0", fillOpacity: 0.5 };
  var LINE = { color: "#1565c0", weight: 2, opacity: 0.7, dashArray: "4 4", className: "dispatch-line" };
  var W = window.TianfuWarehouseMap; // assets/js/warehouse-map.js, loaded first
  if (!W) { return; }

  W.each("data-dispatch-map", function (element, data) {
    element.tianfuMap = W.show(element, data, function (group) {
      window.L.geoJSON(W.collection(data.lines || []), { style: function () { return LINE; } }).addTo(group);
      W.points(data.vehicles || [], VEHICLE).addTo(group);
      if (data.destination) { W.points([data.destination], DESTINATION).addTo(group); }
      if (data.origin) { W.points([data.origin], ORIGIN).addTo(group); }
    }, 13);
    element.setAttribute("data-drawn", String((data.vehicles || []).length));
  });
})();
