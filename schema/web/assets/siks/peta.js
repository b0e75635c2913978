// SIKS-NG Kemensos dashboard: the map of kab/kota, drawn with the vendored Leaflet from the
// gateway's own GeoJSON (boundaries only: no tile server, so it works offline). Colours are
// fixed fifths of 0-100 %, as `siks gateway map render` draws them; no value is grey.
(function () {
  "use strict";
  var COLOURS = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"];
  var NONE = "#bdbdbd";

  function colour(value) {
    if (value === null || value === undefined) { return NONE; }
    return COLOURS[Math.max(0, Math.min(4, Math.floor(value * 5)))];
  }

  function label(properties, noValue) {
    var value = properties.value;
    var shown = (value === null || value === undefined) ? noValue
      : (value * 100).toFixed(1) + " %";
    return properties.name + ": " + shown;
  }

  function draw(element) {
    var status = document.getElementById("peta-status");
    if (typeof L === "undefined" || !window.fetch) { return; }
    fetch(element.dataset.geojson, {credentials: "same-origin",
                                    headers: {"Accept": "application/geo+json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        var map = L.map(element, {attributionControl: false, zoomSnap: 0.25,
                                  renderer: L.svg()});
        var layer = L.geoJSON(data, {
          style: function (feature) {
            return {color: "#333", weight: 1, fillOpacity: 0.85,
                    fillColor: colour(feature.properties.value)};
          },
          onEachFeature: function (feature, shape) {
            shape.bindTooltip(function () {
              var span = document.createElement("span");
              span.textContent = label(feature.properties, element.dataset.noValue);
              return span;
            });
          }
        }).addTo(map);
        if (data.features.length) {
          map.fitBounds(layer.getBounds(), {padding: [8, 8]});
        } else {
          map.setView([-2.5, 118], 4);
          status.textContent = element.dataset.empty;
        }
        element.dataset.drawn = String(data.features.length);
      })
      .catch(function () {
        status.textContent = element.dataset.failed;
        element.dataset.drawn = "error";
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("peta");
    if (element) { draw(element); }
  });
})();
