/* The map's state in the URL hash, so a view can be bookmarked or sent to a colleague:
 *   #map=<zoom>/<lat>/<lon>&base=<basemap>&layers=assets,depots&lines=1&division=510100&assets.status=idle
 * Filter keys are the filter form's field names (FilterSet parameter names, prefixed by the layer
 * for layer-specific ones). The page's controls hold the state: this module sets them from the
 * hash before the other modules read them (it loads first), and writes the hash when they change. */
(function () {
  "use strict";
  const T = window.Tianfu;
  const RESERVED = ["map", "base", "layers", "lines"];
  let written = "";

  function setChecked(selector, values) {
    document.querySelectorAll(selector).forEach((input) => { input.checked = values.includes(input.value); });
  }

  function applyFilters(params) {
    const form = document.getElementById("map-filters");
    Array.from(form.elements).forEach((input) => {
      if (!input.name || RESERVED.includes(input.name)) { return; }
      const values = params.getAll(input.name);
      if (input.type === "checkbox") { input.checked = values.includes(input.value); } else { input.value = values[0] || ""; }
    });
  }

  function applyView(map, value) {
    const [zoom, lat, lon] = (value || "").split("/").map(Number);
    if ([zoom, lat, lon].every(Number.isFinite)) { map.setView([lat, lon], zoom, { animate: false }); }
  }

  function read(map) {
    const params = new URLSearchParams(window.location.hash.slice(1));
    applyView(map, params.get("map"));
    if (params.has("base")) { setChecked("input[name=basemap]", [params.get("base")]); }
    if (params.has("layers")) { setChecked("input[name=layer]", params.get("layers").split(",")); }
    if (params.has("lines")) { document.getElementById("map-boundaries").checked = params.get("lines") !== "0"; }
    applyFilters(params);
  }

  function state(map) {
    const centre = map.getCenter();
    const params = new URLSearchParams();
    params.set("map", `${map.getZoom()}/${centre.lat.toFixed(5)}/${centre.lng.toFixed(5)}`);
    const base = document.querySelector("input[name=basemap]:checked");
    if (base) { params.set("base", base.value); }
    const layers = Array.from(document.querySelectorAll("input[name=layer]:checked"), (input) => input.value);
    params.set("layers", layers.join(","));
    params.set("lines", document.getElementById("map-boundaries").checked ? "1" : "0");
    new FormData(document.getElementById("map-filters")).forEach((value, key) => {
      if (value !== "") { params.append(key, value); }
    });
    return params.toString();
  }

  function write(map) {
    written = state(map);
    window.history.replaceState(null, "", `#${written}`);
  }

  window.addEventListener("map:init", (event) => {
    const map = event.detail.map;
    read(map);
    ["basemap:change", "layers:change", "filters:change"].forEach((name) => T.on(name, () => write(map)));
    map.on("moveend", () => write(map));
    // A link pasted into the same tab: take its state over (the controls announce the change).
    window.addEventListener("hashchange", () => {
      if (window.location.hash.slice(1) === written) { return; }
      read(map);
      document.querySelectorAll("input[name=basemap]:checked, input[name=layer], #map-boundaries")
        .forEach((input) => input.dispatchEvent(new Event("change")));
      T.emit("filters:change", {});
    });
  });
})();
