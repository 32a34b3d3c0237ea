/* The warehouse list's map: the page's listings as points over the offline basemap; a point's
 * tooltip names the asset, a click opens its listing (see warehouse-map.js). */
(function () {
  "use strict";

  var POINT = { radius: 7, color: "#f57c00", weight: 2, fillColor: "#f57c00", fillOpacity: 0.5 };
  var W = window.TianfuWarehouseMap;

  W.each("data-warehouse-map", function (element, data) {
    if (!data.features || !data.features.length) { return; }
    W.show(element, data, function (group) { W.points(data.features, POINT).addTo(group); });
  });
})();
