/* Home charts: plotly.js (served from the installed plotly package, never a CDN) draws each
   <div class="chart" data-chart="..."> from the JSON of a json_script block (CSP-safe). */
(function () {
  "use strict";
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var labels = data("chart-labels") || {};
  var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  function layout(extra) {
    var base = {
      margin: { l: 48, r: 12, t: 8, b: 48 }, height: 300, barmode: "stack",
      legend: { orientation: "h", y: -0.2 }, font: { size: 12 },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)"
    };
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { base[k] = extra[k]; } }
    return base;
  }
  var draw = {
    due: function (el, d) {
      var x = [labels.overdue].concat(d.months);
      Plotly.newPlot(el, [
        { type: "bar", name: labels.overdue, x: x, y: [d.overdue].concat(d.months.map(function () { return 0; })), marker: { color: "#b42318" } },
        { type: "bar", name: labels.due, x: x, y: [0].concat(d.due), marker: { color: "#9a6700" } }
      ], layout({ xaxis: { type: "category" } }), config);
    },
    regions: function (el, d) {
      Plotly.newPlot(el, [
        { type: "bar", orientation: "h", name: labels.overdue, y: d.names, x: d.overdue,
          text: d.codes, hovertemplate: "%{y} (%{text}): %{x}<extra></extra>", marker: { color: "#b42318" } }
      ], layout({ yaxis: { autorange: "reversed", type: "category" }, margin: { l: 110, r: 12, t: 8, b: 32 } }), config);
    },
    conclusions: function (el, d) {
      var colours = { pass: "#1b7f3b", calibrated: "#0b5cad", fail: "#b42318" };
      var traces = Object.keys(d.series).map(function (c) {
        return { type: "bar", name: (labels.conclusions || {})[c] || c, x: d.months, y: d.series[c], marker: { color: colours[c] } };
      });
      traces.push({ type: "scatter", mode: "lines+markers", name: labels.pass_rate, x: d.months, y: d.pass_rate, yaxis: "y2", line: { color: "#5b2a86" } });
      Plotly.newPlot(el, traces, layout({
        xaxis: { type: "category" },
        yaxis2: { overlaying: "y", side: "right", range: [0, 100], ticksuffix: " %", showgrid: false }
      }), config);
    },
    workload: function (el, d) {
      Plotly.newPlot(el, [
        { type: "bar", name: labels.jobs, x: d.labels, y: d.jobs, marker: { color: "#0b5cad" } }
      ], layout({ xaxis: { type: "category" } }), config);
    }
  };
  function ready() {
    if (typeof Plotly === "undefined") { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
      var kind = el.getAttribute("data-chart");
      var d = data(el.getAttribute("data-source"));
      if (d && draw[kind]) { draw[kind](el, d); el.setAttribute("data-drawn", "1"); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
