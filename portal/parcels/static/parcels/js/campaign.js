/* The campaign's choropleth: divisions coloured by the share of cases registered (the same
 * classes as the PDF report and the folium map), drawn by core/js/choropleth.js. */
(function () {
  "use strict";

  window.TianfuChoropleth.start({
    scope: ".campaign",
    map: "campaign-map",
    regions: "campaign-regions",
    strings: "campaign-strings",
    tooltipClass: "campaign-tooltip",
    lines: function (properties, strings) {
      return properties.total
        ? [strings.share + "：" + properties.share + "%", strings.cases + "：" + properties.total,
           strings.overdue + "：" + properties.overdue]
        : [strings.no_cases];
    }
  });
})();
