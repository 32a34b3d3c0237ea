/* The incident pages' maps, over the offline basemap (division boundaries from the registry),
 * drawn with assets/js/warehouse-map.js. An incident's page: the incident, each ranked depot
 * (tooltip: rank, travel time, straight distance; a click opens the depot) and a dashed line
 * from it to the incident. The report
 * form: a click on the map fills x and y with CGCS2000 longitude/latitude and chooses that
 * system. Data comes through json_script; nothing is fetched from another host. */
(function () {
  "use strict";

  var INCIDENT = { radius: 9, color: "#c23b22", weight: 3, fillColor: "#c23b22", fillOpacity: 0.7 };
  var DEPOT = { radius: 7, color: "#1565c0", weight: 2, fillColor: "#1565c0", fillOpacity: 0.5 };
  var LINE = { color: "#1565c0", weight: 2, opacity: 0.7, dashArray: "4 4", className: "incident-line" };
  var STORAGE_CRS = "EPSG:4490";
  var DECIMALS = 6; // about 0.1 m: finer than a click can mean
  var W = window.TianfuWarehouseMap; // assets/js/warehouse-map.js, loaded first
  if (!W) { return; }

  W.each("data-incident-map", function (element, data) {
    W.show(element, data, function (group) {
      window.L.geoJSON(W.collection(data.lines || []), { style: function () { return LINE; } }).addTo(group);
      W.points(data.depots || [], DEPOT).addTo(group);
      if (data.incident) { W.points([data.incident], INCIDENT).addTo(group); }
    }, 13);
  });

  /* The report form's picker: the typed point is shown when it is CGCS2000 lon/lat. */
  function drawPicker(element, data) {
    var x = document.getElementById(element.getAttribute("data-x"));
    var y = document.getElementById(element.getAttribute("data-y"));
    var crs = document.getElementById(element.getAttribute("data-crs"));
    var map = W.base(element, data);
    var marker = null;

    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = window.L.circleMarker(latlng, INCIDENT).addTo(map); }
    }

    function typed() {
      var lon = parseFloat(x.value), lat = parseFloat(y.value);
      if (crs.value !== STORAGE_CRS || !isFinite(lon) || !isFinite(lat)) { return null; }
      return window.L.latLng(lat, lon);
    }

    map.on("click", function (event) {
      x.value = event.latlng.lng.toFixed(DECIMALS);
      y.value = event.latlng.lat.toFixed(DECIMALS);
      crs.value = STORAGE_CRS;
      place(event.latlng);
    });
    [x, y, crs].forEach(function (input) {
      input.addEventListener("change", function () { var at = typed(); if (at) { place(at); } });
    });
    var start = typed();
    if (start) { place(start); map.setView(start, 11); } else { map.setView(W.SICHUAN, 7); }
  }

  W.each("data-incident-picker", drawPicker);
})();
