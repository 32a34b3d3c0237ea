/* The side panel collapses to a button on narrow screens (phones) and can be folded on wide ones;
 * the map is told to re-measure itself whenever its space changes. */
(function () {
  "use strict";
  const NARROW = window.matchMedia("(max-width: 48rem)");

  window.addEventListener("map:init", (event) => {
    const map = event.detail.map;
    const page = document.getElementById("map-page");
    const toggle = document.getElementById("map-panel-toggle");

    function set(open) {
      page.classList.toggle("panel-closed", !open);
      toggle.setAttribute("aria-expanded", String(open));
      window.setTimeout(() => map.invalidateSize(), 250);
    }

    toggle.addEventListener("click", () => set(toggle.getAttribute("aria-expanded") !== "true"));
    set(!NARROW.matches);
    NARROW.addEventListener("change", (change) => set(!change.matches));
  });
})();
