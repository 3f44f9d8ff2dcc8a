// Select-all checkbox of a list's bulk actions (no inline script: the CSP forbids it).
// The header checkbox (class "select-all") checks or clears every row's box on the page.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("select-all")) {
      return;
    }
    var table = box.closest("table");
    if (!table) {
      return;
    }
    table.querySelectorAll('tbody input[type="checkbox"][name="ids"]').forEach(function (row) {
      row.checked = box.checked;
    });
  });
})();
