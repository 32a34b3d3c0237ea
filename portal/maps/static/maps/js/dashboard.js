/* The dashboard's charts, drawn with the vendored ECharts from json_script data: assets by
 * division as a choropleth (by number or by net value), by status and by class, and parcels by
 * title status. Each chart has a table with the same figures beside it for keyboard and screen
 * reader users. SVG rendering keeps the charts sharp in prints. */
(function () {
  "use strict";

  // Charts are drawn without transitions (animation: false in every option): on slow intranet
  // machines they cost more than they show, and a page error from inside ECharts, seen twice in
  // CI under load and not reproduced alone, came while a resize could overlap a transition.
  var MAP_COLOURS = ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"];
  // Tooltips drawn as chart text: ECharts writes HTML tooltips with style attributes, which the
  // Content Security Policy refuses (style-src 'self'), and registry names then stay plain text.
  var TOOLTIP_MODE = "richText";
  var charts = [];
  var data;
  var strings;
  var lang = (document.documentElement.lang || "zh-hans").toLowerCase();
  var chinese = lang.indexOf("zh") === 0;
  var numbers = new Intl.NumberFormat(chinese ? "zh-CN" : "en", { maximumFractionDigits: 2 });

  function readJSON(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  function chart(id) {
    var element = document.getElementById(id);
    if (!element) { return null; }
    var instance = window.echarts.init(element, null, { renderer: "svg", locale: chinese ? "ZH" : "EN" });
    charts.push(instance);
    return instance;
  }

  function metric() {
    var checked = document.querySelector("input[name=metric]:checked");
    return checked ? checked.value : "count";
  }

  function metricLabel(name) {
    return name === "total" ? strings.value : strings.count;
  }

  function regionOption(name) {
    var features = data.regions.features;
    var names = {};
    var values = features.map(function (feature) {
      var properties = feature.properties;
      names[properties.code] = properties.name;
      return { name: properties.code, value: name === "total" ? properties.value : properties.count };
    });
    var max = Math.max.apply(null, values.map(function (item) { return item.value; }).concat([1]));
    return {
      aria: { enabled: true }, animation: false,
      tooltip: {
        trigger: "item",
        renderMode: TOOLTIP_MODE,
        formatter: function (params) {
          var value = typeof params.value === "number" ? numbers.format(params.value) : "0";
          return (names[params.name] || params.name) + "\n" + metricLabel(name) + "：" + value;
        }
      },
      visualMap: {
        min: 0, max: max, left: 8, bottom: 8, calculable: true, inRange: { color: MAP_COLOURS },
        formatter: function (value) { return numbers.format(value); }
      },
      series: [{
        type: "map", map: "tianfu-regions", nameProperty: "code", roam: true,
        name: metricLabel(name), data: values, selectedMode: false,
        itemStyle: { borderColor: "#52606d", borderWidth: 0.5 },
        emphasis: { label: { show: true, formatter: function (params) { return names[params.name] || ""; } } }
      }]
    };
  }

  function barOption(groups, name) {
    var items = groups.slice().reverse();
    return {
      aria: { enabled: true }, animation: false,
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "item", renderMode: TOOLTIP_MODE,
        valueFormatter: function (value) { return numbers.format(value); }
      },
      xAxis: { type: "value", axisLabel: { formatter: function (value) { return numbers.format(value); } } },
      yAxis: { type: "category", data: items.map(function (g) { return g.label; }) },
      series: [{
        type: "bar", name: metricLabel(name),
        data: items.map(function (g) { return { value: g[name], itemStyle: { color: g.colour } }; })
      }]
    };
  }

  function pieOption(groups, name, label) {
    return {
      aria: { enabled: true }, animation: false,
      tooltip: {
        trigger: "item", renderMode: TOOLTIP_MODE,
        valueFormatter: function (value) { return numbers.format(value); }
      },
      legend: { type: "scroll", bottom: 0 },
      series: [{
        type: "pie", name: label, radius: ["35%", "65%"], center: ["50%", "45%"],
        label: { formatter: "{d}%" },
        data: groups.filter(function (g) { return g[name] > 0; }).map(function (g) {
          return { name: g.label, value: g[name], itemStyle: { color: g.colour } };
        })
      }]
    };
  }

  function draw(regions, status, category) {
    var name = metric();
    if (regions) { regions.setOption(regionOption(name), true); }
    if (status) { status.setOption(barOption(data.status, name), true); }
    if (category) { category.setOption(pieOption(data.category, name, metricLabel(name)), true); }
  }

  function colourSwatches() {
    document.querySelectorAll("[data-colour]").forEach(function (element) {
      element.style.backgroundColor = element.getAttribute("data-colour");
    });
  }

  function start() {
    if (!window.echarts) { return; }
    data = readJSON("dashboard-data");
    strings = readJSON("dashboard-strings");
    window.echarts.registerMap("tianfu-regions", data.regions);
    var regions = chart("chart-regions");
    var status = chart("chart-status");
    var category = chart("chart-category");
    var title = chart("chart-title");
    draw(regions, status, category);
    if (title) { title.setOption(pieOption(data.title, "count", strings.parcels)); }
    document.querySelectorAll("input[name=metric]").forEach(function (input) {
      input.addEventListener("change", function () { draw(regions, status, category); });
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (instance) { instance.resize(); });
    });
    colourSwatches();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
