/* The booking form's place picker, drawn with assets/js/warehouse-map.js over the offline
 * basemap. A click on the map places the chosen end (origin, then destination: the choice moves
 * on by itself after the origin) and fills its CGCS2000 longitude/latitude, and its place name
 * when that is still empty; the search box asks the portal's own /search.json (records the user
 * may read) and a result places the chosen end there, named after the record. Typed coordinates
 * move the markers. Data comes through json_script; nothing is fetched from another host. */
(function () {
  "use strict";

  var STYLES = {
    origin: { radius: 9, color: "#2f8132", weight: 3, fillColor: "#2f8132", fillOpacity: 0.7 },
    destination: { radius: 9, color: "#c23b22", weight: 3, fillColor: "#c23b22", fillOpacity: 0.7 }
  };
  var LINE = { color: "#334e68", weight: 2, dashArray: "6 4", interactive: false, className: "booking-line" };
  var DECIMALS = 6; // about 0.1 m: finer than a click can mean
  var W = window.TianfuWarehouseMap; // assets/js/warehouse-map.js, loaded first
  if (!W) { return; }

  function inputs(element, end) {
    return {
      lon: document.getElementById(element.getAttribute("data-" + end + "-lon")),
      lat: document.getElementById(element.getAttribute("data-" + end + "-lat")),
      label: document.getElementById(element.getAttribute("data-" + end + "-label"))
    };
  }

  function Picker(element, data) {
    var map = W.base(element, data);
    var ends = { origin: inputs(element, "origin"), destination: inputs(element, "destination") };
    var markers = {};
    var line = null;

    function chosen() {
      var checked = document.querySelector("input[name=picking]:checked");
      return checked ? checked.value : "origin";
    }

    function choose(end) {
      var radio = document.getElementById("pick-" + end);
      if (radio) { radio.checked = true; }
    }

    function typed(end) {
      var lon = parseFloat(ends[end].lon.value), lat = parseFloat(ends[end].lat.value);
      return isFinite(lon) && isFinite(lat) ? window.L.latLng(lat, lon) : null;
    }

    function redraw() {
      ["origin", "destination"].forEach(function (end) {
        var at = typed(end);
        if (markers[end]) { map.removeLayer(markers[end]); markers[end] = null; }
        if (at) {
          markers[end] = window.L.circleMarker(at, STYLES[end]).addTo(map);
          markers[end].getElement().setAttribute("data-end", end);
        }
      });
      if (line) { map.removeLayer(line); line = null; }
      if (markers.origin && markers.destination) {
        line = window.L.polyline([markers.origin.getLatLng(), markers.destination.getLatLng()], LINE).addTo(map);
      }
    }

    function place(end, latlng, label) {
      ends[end].lon.value = latlng.lng.toFixed(DECIMALS);
      ends[end].lat.value = latlng.lat.toFixed(DECIMALS);
      if (label) {
        ends[end].label.value = label;
      } else if (!ends[end].label.value) {
        ends[end].label.value = ends[end].lon.value + ", " + ends[end].lat.value;
      }
      redraw();
      if (end === "origin") { choose("destination"); }
    }

    map.on("click", function (event) { place(chosen(), event.latlng, ""); });
    ["origin", "destination"].forEach(function (end) {
      [ends[end].lon, ends[end].lat].forEach(function (input) { input.addEventListener("change", redraw); });
    });
    // The view first: Leaflet draws nothing on a map without one.
    var shown = [typed("origin"), typed("destination")].filter(Boolean);
    if (shown.length) {
      map.fitBounds(window.L.latLngBounds(shown), { maxZoom: 12, padding: [30, 30] });
    } else {
      map.setView(W.SICHUAN, 7);
    }
    redraw();
    element.setAttribute("data-ready", "true");
    /* Show both ends when there are two, else ``at`` close enough to click near it. */
    function frame(at) {
      var shown = [markers.origin, markers.destination].filter(Boolean);
      if (shown.length === 2) {
        map.fitBounds(window.L.featureGroup(shown).getBounds(), { maxZoom: 12, padding: [30, 30], animate: false });
      } else {
        map.setView(at, Math.max(map.getZoom(), 11), { animate: false });
      }
    }

    return { place: place, chosen: chosen, frame: frame, map: map };
  }

  function resultItem(picker, result) {
    var item = document.createElement("li");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "booking-result";
    button.textContent = result.subtitle ? result.title + " · " + result.subtitle : result.title;
    button.addEventListener("click", function () {
      var at = window.L.latLng(result.point[1], result.point[0]);
      picker.place(picker.chosen(), at, result.title);
      picker.frame(at);
    });
    item.appendChild(button);
    return item;
  }

  function note(list, text) {
    var item = document.createElement("li");
    item.className = "muted";
    item.textContent = text;
    list.replaceChildren(item);
  }

  function search(picker, element, url) {
    var box = document.getElementById("place-search");
    var list = document.getElementById("place-results");
    var text = box.value.trim();
    if (!text) { list.replaceChildren(); return; }
    fetch(url + "?" + new URLSearchParams({ q: text }), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (body) {
      var results = (body.results || []).filter(function (result) { return result.point; });
      if (!results.length) { note(list, element.getAttribute("data-no-results")); return; }
      list.replaceChildren.apply(list, results.map(function (result) { return resultItem(picker, result); }));
    }).catch(function () { note(list, element.getAttribute("data-search-failed")); });
  }

  W.each("data-booking-picker", function (element, data) {
    var picker = Picker(element, data);
    var box = document.getElementById("place-search");
    var controls = document.getElementById("booking-picker-controls");
    document.getElementById("place-search-button").addEventListener("click", function () {
      search(picker, element, data.search);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); search(picker, element, data.search); }
    });
    if (controls) { controls.addEventListener("submit", function (event) { event.preventDefault(); }); }
  });
})();
