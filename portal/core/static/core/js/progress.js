/* The page of work that runs in the background (an import, a coverage analysis, a siting
 * scenario) while it runs: poll its status JSON, move the progress bar and the message, and
 * reload the page once the work has ended, so the results (or the error) appear. The page itself
 * is rendered from the work's state, so a refresh or a later visit shows the same thing.
 *
 * Markup: an element with data-progress-url (the status JSON), data-progress-interval (ms between
 * polls) and data-running="true" while the work runs; inside it the status badge
 * [data-progress-label] (its value: the class prefix the status is appended to), a <progress>
 * and [data-progress-message]. The JSON: {status, label, running, progress, message}, progress a
 * fraction 0..1, or null while the amount of work is unknown. */
(function () {
  "use strict";

  var state = document.querySelector("[data-progress-url]");
  if (!state || state.getAttribute("data-running") !== "true") { return; }
  var url = state.getAttribute("data-progress-url");
  var every = Number(state.getAttribute("data-progress-interval")) || 2000;
  var retry = Math.max(5000, 3 * every); // a failed poll (server restarting) is retried, slower
  var label = state.querySelector("[data-progress-label]");
  var classes = label.getAttribute("data-progress-label");
  var bar = state.querySelector("progress");
  var message = state.querySelector("[data-progress-message]");

  function show(status) {
    label.textContent = status.label;
    label.className = classes + status.status;
    if (typeof status.progress === "number") {
      bar.value = Math.max(0, Math.min(1, status.progress));
    } else {
      bar.removeAttribute("value"); // indeterminate
    }
    message.textContent = status.message || "";
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
          window.setTimeout(poll, every);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, retry); });
  }

  window.setTimeout(poll, every);
}());
