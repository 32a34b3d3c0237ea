/* The import page while a file is checked or written: poll status.json every second, move the
 * progress bar, and reload the page once the job has finished, so the report appears. The page
 * itself is rendered from the job's state, so a refresh or a later visit shows the same thing. */
(function () {
  "use strict";

  var POLL_MS = 1000;
  var RETRY_MS = 5000; // a failed poll (server restarting) is retried, more slowly
  var state = document.getElementById("import-state");
  if (!state || state.getAttribute("data-running") !== "true") { return; }
  var url = state.getAttribute("data-status-url");
  var strings = JSON.parse(document.getElementById("import-strings").textContent);
  var bar = document.getElementById("import-progress");
  var label = document.getElementById("import-status-label");
  var rows = document.getElementById("import-rows");

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function show(status) {
    label.textContent = status.label;
    label.className = "status-badge status-" + status.status;
    if (status.rows_total) {
      bar.max = status.rows_total;
      bar.value = Math.min(status.rows_done, status.rows_total);
      rows.textContent = format(strings.rows_of, { done: status.rows_done, total: status.rows_total });
    } else {
      bar.removeAttribute("value"); // indeterminate: the file does not say how many rows it has
      rows.textContent = status.rows_done ? format(strings.rows, { done: status.rows_done }) : "";
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.running) {
          window.setTimeout(poll, POLL_MS);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, RETRY_MS); });
  }

  window.setTimeout(poll, POLL_MS);
}());
