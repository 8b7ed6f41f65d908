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

  // The QR code at the counter: a countdown to the code's renewal. When it
  // reaches zero the element asks for a fresh code (hx-trigger="renew").
  function tick() {
    var boxes = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var left = parseInt(box.getAttribute("data-countdown"), 10) - 1;
      if (left < 0) {
        continue;
      }
      box.setAttribute("data-countdown", String(left));
      var number = box.querySelector(".seconds");
      if (number) {
        number.textContent = String(left);
      }
      if (left === 0 && window.htmx) {
        window.htmx.trigger(box, "renew");
      }
    }
  }
  window.setInterval(tick, 1000);

  // Keep the screen on while the QR code is shown at the counter (where the
  // browser allows it); nothing happens where it does not.
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector("[data-wake-lock]") || !navigator.wakeLock) {
      return;
    }
    function hold() {
      navigator.wakeLock.request("screen").catch(function () {});
    }
    hold();
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        hold();
      }
    });
  });
})();
