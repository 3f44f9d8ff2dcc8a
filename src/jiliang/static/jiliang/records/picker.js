/* Search-as-you-type picker (issue 13 §1): an <input data-picker="instruments|institutions|
   regions"> gets a listbox filled from /api/pick/<kind>?q=…. Keyboard: ↓/↑ move, Enter
   picks, Escape closes. Progressive: without this script the input still takes an exact
   code (USCC, division code, instrument id). No inline script: the CSP forbids it. */
(function () {
  "use strict";
  var MIN_ASCII = 2;
  var counter = 0;

  function tooShort(q) {
    q = q.trim();
    if (!q) return true;
    return /^[\x00-\x7f]*$/.test(q) && q.length < MIN_ASCII && !/^\d+$/.test(q);
  }

  function setup(input) {
    var kind = input.getAttribute("data-picker");
    var list = document.createElement("ul");
    var listId = "picker-" + (++counter);
    var picked = document.getElementById(input.id + "-picked");
    var items = [];
    var active = -1;
    var timer = null;
    var asked = 0;
    list.id = listId;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-controls", listId);
    input.parentNode.appendChild(list);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function mark(index) {
      var options = list.children;
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      }
    }

    function choose(index) {
      var item = items[index];
      if (!item) return;
      var target = document.getElementById(input.getAttribute("data-picker-append") || "");
      if (target) {
        /* a list field (a standard's equipment): add the chosen value as one more line */
        var lines = target.value.split(/\n/).map(function (l) { return l.trim(); }).filter(Boolean);
        if (lines.indexOf(item.value) < 0) lines.push(item.value);
        target.value = lines.join("\n");
        input.value = "";
        if (picked) picked.textContent = item.label;
        close();
        return;
      }
      input.value = item.value;
      if (picked) picked.textContent = item.label + (item.detail ? " · " + item.detail : "");
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(found) {
      items = found;
      list.textContent = "";
      found.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("data-value", item.value);
        li.textContent = item.label;
        if (item.detail) {
          var small = document.createElement("small");
          small.textContent = item.detail;
          li.appendChild(small);
        }
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(li);
      });
      list.hidden = found.length === 0;
      input.setAttribute("aria-expanded", found.length ? "true" : "false");
      mark(found.length ? 0 : -1);
    }

    function search() {
      var q = input.value;
      if (tooShort(q)) { close(); return; }
      var ticket = ++asked;
      var url = "/api/pick/" + encodeURIComponent(kind) + "?q=" + encodeURIComponent(q.trim());
      var extra = input.getAttribute("data-picker-query");
      if (extra) url += "&" + extra;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) { if (ticket === asked) show(Array.isArray(found) ? found : []); })
        .catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      if (picked) picked.textContent = "";
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        if (event.key === "ArrowDown") search();
        return;
      }
      if (event.key === "ArrowDown") { event.preventDefault(); mark(Math.min(active + 1, items.length - 1)); }
      else if (event.key === "ArrowUp") { event.preventDefault(); mark(Math.max(active - 1, 0)); }
      else if (event.key === "Enter") { if (active >= 0) { event.preventDefault(); choose(active); } }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  /* The unit shown beside each quantity input follows the instrument's unit field. */
  function units() {
    var unit = document.querySelector("input[name='unit']");
    if (!unit) return;
    var update = function () {
      document.querySelectorAll("[data-unit-of]").forEach(function (span) {
        span.textContent = unit.value.trim();
      });
    };
    unit.addEventListener("input", update);
    update();
  }

  document.querySelectorAll("input[data-picker]").forEach(setup);
  units();
})();
