/* Statistics charts: plotly.js served from the installed plotly package (never a CDN) draws
   the figures of the json_script block "cloud-statistics" (CSP-safe: no inline script). */
(function () {
  "use strict";
  var config = { responsive: true, displaylogo: false };
  function layout(extra) {
    var base = { margin: { l: 48, r: 12, t: 8, b: 64 }, height: 300, font: { size: 12 },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", barmode: "stack",
      legend: { orientation: "h", y: -0.3 } };
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { base[k] = extra[k]; } }
    return base;
  }
  function bar(id, x, y, colour) {
    var el = document.getElementById(id);
    if (!el) { return; }
    Plotly.newPlot(el, [{ type: "bar", x: x, y: y, marker: { color: colour } }],
      layout({ xaxis: { type: "category" } }), config);
    el.setAttribute("data-drawn", "1");
  }
  function ready() {
    var node = document.getElementById("cloud-statistics");
    if (!node || typeof Plotly === "undefined") { return; }
    var f = JSON.parse(node.textContent);
    var labelNode = document.getElementById("cloud-labels");
    var labels = labelNode ? JSON.parse(labelNode.textContent) : {};
    bar("chart-standards-level", f.standards.by_level.map(function (r) { return r.label; }),
      f.standards.by_level.map(function (r) { return r.count; }), "#0b5cad");
    bar("chart-standards-region", f.standards.by_province.map(function (r) { return r.name; }),
      f.standards.by_province.map(function (r) { return r.count; }), "#1b7f3b");
    bar("chart-exams", f.examinations_by_year.map(function (r) { return String(r.year); }),
      f.examinations_by_year.map(function (r) { return r.count; }), "#5b2a86");
    var m = f.mandatory_instruments.by_province;
    var el = document.getElementById("chart-mandatory");
    if (el) {
      var names = m.map(function (r) { return r.name; });
      Plotly.newPlot(el, [
        { type: "bar", name: labels.on_time, x: names, y: m.map(function (r) { return r.on_time; }), marker: { color: "#1b7f3b" } },
        { type: "bar", name: labels.overdue, x: names, y: m.map(function (r) { return r.overdue; }), marker: { color: "#b42318" } },
        { type: "bar", name: labels.never_verified, x: names, y: m.map(function (r) { return r.never_verified; }), marker: { color: "#9a6700" } }
      ], layout({ xaxis: { type: "category" } }), config);
      el.setAttribute("data-drawn", "1");
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
}());
