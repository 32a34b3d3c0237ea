/* django-leaflet's map and geometry-field start-up, moved out of its inline scripts so the admin
 * runs under a script-src 'self' policy. templates/leaflet/_leaflet_map.html announces each map
 * and templates/leaflet/widget.html each geometry field with a hidden span carrying their
 * settings; this file is included after every widget and starts each announced map once. */
(function () {
  "use strict";

  /* "L.GeometryField" → window.L.GeometryField: the widget names its classes as dotted paths. */
  function resolve(path) {
    return path.split(".").reduce(function (scope, key) {
      return scope ? scope[key] : undefined;
    }, window);
  }

  /* What the inline callback did: bind the field's textarea to the map it is drawn on. */
  function fieldCallback(field) {
    var data = field.dataset;
    return function (map, options) {
      var GeometryField = resolve(data.geometryFieldClass);
      new GeometryField({
        fieldid: data.fieldId,
        modifiable: data.modifiable === "true",
        geom_type: data.geomType,
        srid: Number(data.srid),
        field_store_class: resolve(data.fieldStoreClass),
        precision: options.djoptions.precision
      }).addTo(map);
    };
  }

  function callbackFor(name) {
    if (!name) { return null; }
    var fields = document.querySelectorAll(".tianfu-leaflet-field");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].dataset.callback === name) { return fieldCallback(fields[i]); }
    }
    return typeof window[name] === "function" ? window[name] : null;
  }

  function start(marker) {
    var data = marker.dataset;
    var globals = data.globals === "true";
    function loadmap() {
      var map = window.L.Map.djangoMap(data.mapId, {
        djoptions: JSON.parse(data.djoptions),
        initfunc: loadmap,
        globals: globals,
        callback: callbackFor(data.callback)
      });
      if (globals) { window["leafletmap" + data.mapId] = map; }
    }
    var events = JSON.parse(data.loadevents);
    if (events.length === 0) {
      loadmap();
    } else {
      events.forEach(function (name) { window.addEventListener(name, loadmap, false); });
    }
    if (globals) { window["loadmap" + data.mapId] = loadmap; }
  }

  /* A field drawn on another field's map (the widget's target_map) joins it once that loads. */
  function join(field) {
    var target = "id_" + field.dataset.targetMap;
    var callback = fieldCallback(field);
    window.addEventListener("map:init", function (event) {
      var map = event.detail.map;
      map.on("map:loadfield", function (loaded) {
        if (loaded.fieldid === target) {
          setTimeout(function () { callback(map, event.detail.options); }, 0);
        }
      });
    }, false);
  }

  document.querySelectorAll(".tianfu-leaflet-map:not([data-started])").forEach(function (marker) {
    marker.dataset.started = "true";
    start(marker);
  });
  document.querySelectorAll(".tianfu-leaflet-field:not([data-started])").forEach(function (field) {
    field.dataset.started = "true";
    if (field.dataset.targetMap) { join(field); }
  });
})();
