/* The portal's own script: loaded from a file (no inline script on any page). */
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
})();

/* Keep the screen on while the QR code is shown at the counter (where the
   browser allows it); nothing happens where it does not. */
(function () {
  "use strict";
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
})();
