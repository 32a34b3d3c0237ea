/* The running-cost choropleth: divisions coloured by the chosen indicator (the same classes as
 * the PDF report), drawn by core/js/choropleth.js. */
(function () {
  "use strict";

  window.TianfuChoropleth.start({
    scope: ".costs-dashboard",
    map: "costs-map",
    regions: "costs-regions",
    strings: "costs-strings",
    tooltipClass: "costs-tooltip",
    lines: function (properties, strings) {
      return properties.value === null
        ? [strings.no_data]
        : [properties.text, strings.units + "：" + properties.units,
           strings.total + "：" + properties.total_yuan];
    }
  });
})();
