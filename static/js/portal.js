// The portal's few lines of script, served as a static file so that the
// Content-Security-Policy can forbid every inline script and style.
(function () {
  "use strict";

  // An error page (an expired form, a crash) answering an htmx request replaces
  // the whole page: htmx would drop it and the click would seem to do nothing.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && /^\s*<!doctype html>/i.test(xhr.responseText)) {
      event.detail.shouldSwap = false;
      document.open();
      document.write(xhr.responseText);
      document.close();
    }
  });

  // Progress bars carry their value in data-progress; the width is set here
  // (a style="" attribute would be inline style, which the policy forbids).
  function drawProgress(root) {
    var bars = (root || document).querySelectorAll("[data-progress]");
    for (var i = 0; i < bars.length; i++) {
      var value = Math.max(0, Math.min(100, parseFloat(bars[i].getAttribute("data-progress")) || 0));
      bars[i].style.width = value + "%";
    }
  }
  document.addEventListener("DOMContentLoaded", function () { drawProgress(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawProgress(event.target); });
})();
