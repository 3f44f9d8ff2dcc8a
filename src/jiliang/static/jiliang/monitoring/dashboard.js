/* Energy dashboards: plotly.js served locally draws the json_script blocks
   "energy-figures" (an energy user) and "energy-rank" (a region); no inline script (CSP). */
(function () {
  "use strict";
  var config = { responsive: true, displaylogo: false };
  function layout(extra) {
    var base = { margin: { l: 52, r: 12, t: 8, b: 48 }, height: 300, font: { size: 12 },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
      legend: { orientation: "h", y: -0.25 } };
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { base[k] = extra[k]; } }
    return base;
  }
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function draw(id, traces, extra) {
    var el = document.getElementById(id);
    if (!el) { return; }
    Plotly.newPlot(el, traces, layout(extra || {}), config);
    el.setAttribute("data-drawn", "1");
  }
  function user(f, labels) {
    draw("chart-load", [{ type: "scatter", mode: "lines", x: f.load.time, y: f.load.kw,
      name: labels.load, line: { color: "#0b5cad", width: 1 } }], { yaxis: { title: "kW" } });
    var traces = [];
    Object.keys(f.daily).forEach(function (variety) {
      traces.push({ type: "bar", x: f.days, y: f.daily[variety], name: variety + " (" + (f.units[variety] || "") + ")" });
    });
    draw("chart-daily", traces, { barmode: "group" });
    draw("chart-tce", [
      { type: "bar", x: f.days, y: f.tce_daily, name: labels.tce, marker: { color: "#1b7f3b" } },
      { type: "scatter", mode: "lines", x: f.days, y: f.co2_daily, name: labels.co2, yaxis: "y2", line: { color: "#b42318" } }
    ], { yaxis: { title: "tce" }, yaxis2: { title: "t CO2", overlaying: "y", side: "right" } });
  }
  function region(r, labels) {
    draw("chart-rank", [
      { type: "bar", x: r.names, y: r.tce, name: labels.tce, marker: { color: "#0b5cad" } },
      { type: "scatter", mode: "markers", x: r.names, y: r.unverified, name: labels.unverified, yaxis: "y2", marker: { color: "#b42318", size: 10 } }
    ], { xaxis: { type: "category" }, yaxis: { title: "tce" }, yaxis2: { title: "%", overlaying: "y", side: "right", rangemode: "tozero" } });
  }
  function ready() {
    if (typeof Plotly === "undefined") { return; }
    var labels = data("energy-labels") || {};
    var f = data("energy-figures");
    if (f && !f.empty) { user(f, labels); }
    var r = data("energy-rank");
    if (r) { region(r, labels); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
}());
