/* The map toolbar: drawing a query area (polygon, rectangle, circle) and measuring (distance,
 * area) both draw with geoman, in its zh or en strings; this module starts the drawing and hands
 * the finished shape to query.js or measure.js. Our own buttons (not geoman's toolbar) keep the
 * tools reachable by keyboard with labels a screen reader announces. Escape cancels a drawing. */
(function () {
  "use strict";
  const T = window.Tianfu;
  const TOOLS = {
    polygon: { shape: "Polygon", mode: "query" },
    rectangle: { shape: "Rectangle", mode: "query" },
    circle: { shape: "Circle", mode: "query" },
    distance: { shape: "Line", mode: "measure" },
    area: { shape: "Polygon", mode: "measure" },
  };
  const STYLE = { color: "#b7410e", weight: 2, fillColor: "#f0b429", fillOpacity: 0.15 };
  let active = null;

  function buttons() {
    return document.querySelectorAll("#map-toolbar button[data-tool]");
  }

  function press(name) {
    active = name;
    buttons().forEach((button) => button.setAttribute("aria-pressed", String(button.dataset.tool === name)));
  }

  function start(map, name) {
    const tool = TOOLS[name];
    const again = active === name;
    map.pm.disableDraw();
    press(null);
    if (again) { return; }
    press(name);
    map.pm.enableDraw(tool.shape);
    if (tool.mode === "measure") { T.status(T.t("measure_hint")); }
  }

  window.addEventListener("map:init", (event) => {
    const map = event.detail.map;
    const drawn = L.featureGroup().addTo(map);
    map.pm.setLang(T.lang.startsWith("zh") ? "zh" : "en");
    map.pm.setGlobalOptions({
      layerGroup: drawn, snappable: false, pathOptions: STYLE, templineStyle: STYLE, hintlineStyle: STYLE,
    });
    map.on("pm:drawstart", (started) => {
      if (active && TOOLS[active].mode === "measure") {
        T.emit("measure:start", { map: map, shape: started.shape, layer: started.workingLayer });
      }
    });
    map.on("pm:create", (created) => {
      const tool = TOOLS[active];
      press(null);
      if (tool) { T.emit(`draw:${tool.mode}`, { map: map, shape: created.shape, layer: created.layer }); }
    });
    map.on("pm:drawend", () => { if (active) { press(null); } });
    buttons().forEach((button) => button.addEventListener("click", () => start(map, button.dataset.tool)));
    document.getElementById("map-clear").addEventListener("click", () => {
      map.pm.disableDraw();
      drawn.clearLayers();
      T.emit("draw:clear", { map: map });
    });
    document.addEventListener("keydown", (key) => {
      if (key.key === "Escape" && active) { map.pm.disableDraw(); press(null); }
    });
    T.tools = { drawn: drawn };
  });
})();
