// SIKS-NG web pages: the few behaviours htmx does not cover. No inline scripts (the pages'
// Content-Security-Policy forbids them); every page works without this file too.
(function () {
  "use strict";
  // "Use my location": fill the latitude and longitude fields from the phone's GPS.
  function wireLocationButtons(root) {
    root.querySelectorAll("button[data-fill-position]").forEach(function (button) {
      if (button.dataset.wired) { return; }
      button.dataset.wired = "1";
      button.hidden = !("geolocation" in navigator);
      button.addEventListener("click", function () {
        var status = document.getElementById(button.getAttribute("aria-controls"));
        status.textContent = button.dataset.waiting;
        navigator.geolocation.getCurrentPosition(function (position) {
          document.getElementById("lintang").value = position.coords.latitude.toFixed(6);
          document.getElementById("bujur").value = position.coords.longitude.toFixed(6);
          status.textContent = button.dataset.done;
        }, function () {
          status.textContent = button.dataset.failed;
        }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wireLocationButtons(document); });
})();
