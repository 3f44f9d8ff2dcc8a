/* The grouped menu: one dropdown open at a time, closed by a click elsewhere or Escape; at
   phone width the toggle button shows or hides the whole menu. No inline script (CSP). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function ready() {
    var header = document.getElementById("top");
    var toggle = document.getElementById("menu-toggle");
    if (!header) { return; }
    var groups = Array.prototype.slice.call(header.querySelectorAll("details.menu-group"));
    function closeOthers(keep) {
      groups.forEach(function (g) { if (g !== keep) { g.removeAttribute("open"); } });
    }
    groups.forEach(function (g) {
      g.addEventListener("toggle", function () { if (g.open) { closeOthers(g); } });
    });
    document.addEventListener("click", function (event) {
      if (!event.target.closest || !event.target.closest("details.menu-group")) { closeOthers(null); }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { closeOthers(null); }
    });
    if (toggle) {
      toggle.addEventListener("click", function () {
        var open = header.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
