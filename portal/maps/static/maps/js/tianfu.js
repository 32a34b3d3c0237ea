/* The map page's shared namespace: its configuration and strings (from json_script), a small
 * event bus between the modules, DOM and number helpers. Loaded first; every other module hooks
 * in through the "map:init" event that map-core.js dispatches once the map exists. */
(function () {
  "use strict";

  function readJson(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  const strings = readJson("map-strings");
  const lang = document.documentElement.lang || "zh-hans";
  const bus = new EventTarget();

  // "{count} records" with {count: 3} gives "3 records"; unknown keys stay visible, not empty.
  function t(key, values) {
    let text = strings[key] || key;
    Object.entries(values || {}).forEach(([name, value]) => {
      text = text.split(`{${name}}`).join(String(value));
    });
    return text;
  }

  // Builds elements from text only (never HTML strings), so record names cannot inject markup.
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => {
      if (value === null || value === undefined || value === false) { return; }
      if (name === "class") { node.className = value; } else { node.setAttribute(name, value); }
    });
    children.flat(Infinity).forEach((child) => {
      if (child === null || child === undefined) { return; }
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  function escapeHtml(text) {
    return el("span", null, text).innerHTML;
  }

  const numbers = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  const compact = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });

  function formatLength(metres) {
    return metres >= 1000
      ? `${numbers.format(metres / 1000)} ${t("kilometres")}`
      : `${numbers.format(metres)} ${t("metres")}`;
  }

  function formatArea(squareMetres) {
    return squareMetres >= 1e6
      ? `${numbers.format(squareMetres / 1e6)} ${t("square_kilometres")}`
      : `${numbers.format(squareMetres)} ${t("square_metres")}`;
  }

  function status(message) {
    document.getElementById("map-status").textContent = message || "";
  }

  window.Tianfu = {
    config: readJson("map-config"),
    lang: lang,
    t: t,
    el: el,
    escapeHtml: escapeHtml,
    formatNumber: (value) => numbers.format(value),
    formatCompact: (value) => compact.format(value),
    formatLength: formatLength,
    formatArea: formatArea,
    status: status,
    emit: (name, detail) => bus.dispatchEvent(new CustomEvent(name, { detail: detail })),
    on: (name, handler) => bus.addEventListener(name, (event) => handler(event.detail)),
  };
})();
