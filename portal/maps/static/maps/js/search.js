/* Search box: asks /search.json (names, codes, credit codes, plates, addresses, pinyin initials
 * of divisions; only records the user may read) and flies to the chosen result, marking it. */
(function () {
  "use strict";
  const T = window.Tianfu;
  const POINT_ZOOM = 15;
  let marker = null;

  function layerLabel(name) {
    const layer = T.layers.byName(name);
    return layer ? layer.label : T.t("divisions");
  }

  function flyTo(map, result) {
    const point = T.display.toDisplay(L.latLng(result.point[1], result.point[0]));
    if (marker) { map.removeLayer(marker); }
    marker = L.circleMarker(point, {
      pane: "tianfu-marks", radius: 11, color: "#f0b429", weight: 4, fill: false, interactive: false,
    }).addTo(map);
    if (result.bbox) {
      const [west, south, east, north] = result.bbox;
      const bounds = L.latLngBounds(
        T.display.toDisplay(L.latLng(south, west)), T.display.toDisplay(L.latLng(north, east)),
      );
      map.flyToBounds(bounds, { maxZoom: POINT_ZOOM, duration: 0.8 });
    } else {
      map.flyTo(point, Math.max(map.getZoom(), POINT_ZOOM), { duration: 0.8 });
    }
    T.status(`${layerLabel(result.layer)}：${result.title}`);
  }

  function resultItem(map, result) {
    const button = T.el("button", { type: "button", class: "search-result" },
      T.el("span", { class: "search-title" }, result.title),
      T.el("span", { class: "search-meta" }, [layerLabel(result.layer), result.subtitle].filter(Boolean).join(" · ")));
    button.addEventListener("click", () => flyTo(map, result));
    const link = result.url ? T.el("a", { href: result.url, class: "search-detail" }, T.t("details")) : null;
    return T.el("li", null, button, link);
  }

  function show(map, list, results) {
    list.replaceChildren(...results.map((result) => resultItem(map, result)));
    if (!results.length) { list.append(T.el("li", { class: "search-empty" }, T.t("no_results"))); }
  }

  function run(map, text, list) {
    list.replaceChildren(T.el("li", { class: "search-empty" }, T.t("searching")));
    const url = `${T.config.urls.search}?${new URLSearchParams({ q: text })}`;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) { throw new Error(`${response.status}`); }
        return response.json();
      })
      .then((body) => {
        show(map, list, body.results);
        const first = list.querySelector("button.search-result");
        if (first && body.results.length === 1) { first.click(); }
      })
      .catch((error) => list.replaceChildren(T.el("li", { class: "search-empty" }, T.t("search_failed", { error: error.message }))));
  }

  window.addEventListener("map:init", (event) => {
    const map = event.detail.map;
    const form = document.getElementById("map-search");
    const list = document.getElementById("map-search-results");
    form.addEventListener("submit", (submitted) => {
      submitted.preventDefault();
      const text = form.elements.q.value.trim();
      if (text) { run(map, text, list); } else { list.replaceChildren(); }
    });
  });
})();
