/* The filter panel. Its inputs are named after the FilterSet parameters (portal/<app>/filters.py):
 * "division" and "unit" apply to every layer, "<layer>.<parameter>" only to that layer (assets
 * and vehicles both have a "status" with different values). params(layer) gives the query string
 * that the layer's tiles, the area query and its exports all receive, so they always agree. */
(function () {
  "use strict";
  const T = window.Tianfu;

  function form() {
    return document.getElementById("map-filters");
  }

  function params(layer) {
    const result = new URLSearchParams();
    const prefix = `${layer.name}.`;
    new FormData(form()).forEach((value, key) => {
      const text = String(value).trim();
      if (text === "") { return; }
      if (layer.common_filters.includes(key)) {
        result.append(key, text);
      } else if (key.startsWith(prefix) && layer.filters.includes(key.slice(prefix.length))) {
        result.append(key.slice(prefix.length), text);
      }
    });
    return result;
  }

  function activeCount() {
    let count = 0;
    new FormData(form()).forEach((value) => { if (String(value).trim() !== "") { count += 1; } });
    return count;
  }

  function announce() {
    const count = activeCount();
    const badge = document.getElementById("map-filter-count");
    badge.textContent = count ? String(count) : "";
    badge.hidden = count === 0;
    T.emit("filters:change", {});
  }

  // A layer's own filters are shown while the layer is on; values stay, so switching back keeps them.
  function showLayerFilters(active) {
    document.querySelectorAll("#map-filters fieldset[data-layer]").forEach((fieldset) => {
      fieldset.hidden = !active.includes(fieldset.dataset.layer);
    });
  }

  T.filters = { params: params };

  window.addEventListener("map:init", () => {
    form().addEventListener("submit", (event) => {
      event.preventDefault();
      announce();
    });
    form().addEventListener("reset", () => window.setTimeout(announce, 0));
    T.on("layers:change", (detail) => showLayerFilters(detail.active));
    const badge = document.getElementById("map-filter-count");
    badge.textContent = String(activeCount() || "");
    badge.hidden = activeCount() === 0;
  });
})();
