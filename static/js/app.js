/* Healthscore: the little JavaScript of our own. htmx does the rest.
   No inline scripts or handlers anywhere (Content-Security-Policy): everything hooks in from here. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function toast(text, kind, action) {
    var box = document.getElementById("toasts");
    if (!box) { return; }
    var item = document.createElement("div");
    item.className = "toast toast-" + (kind || "info");
    var words = document.createElement("span");
    words.textContent = text;
    item.appendChild(words);
    if (action) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "toast-action";
      button.textContent = action.label;
      button.addEventListener("click", function () { item.remove(); action.run(); });
      item.appendChild(button);
    }
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, action ? 8000 : 4000);
  }

  // --- Top bar: the Menu button folds the nav on narrow screens. ---
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".navtoggle");
    if (!toggle) { return; }
    var bar = document.getElementById("topbar");
    var open = !bar.classList.contains("nav-open");
    bar.classList.toggle("nav-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // --- Popovers (<details class="act">): one open at a time; Escape closes and returns focus. ---
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches("details.act") || !opened.open) { return; }
    // "toggle" is dispatched later, in a task of its own: when two popovers open in quick succession,
    // the first one's late event must not close the second, the one the person is in now.
    var current = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("details.act") : null;
    if (current && current !== opened && current.open) { opened.open = false; return; }
    document.querySelectorAll("details.act[open]").forEach(function (other) {
      if (other !== opened) { other.open = false; }
    });
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details.act[open]").forEach(function (details) {
      details.open = false;
      var summary = details.querySelector("summary");
      if (summary && details.contains(document.activeElement)) { summary.focus(); }
    });
  });
  document.addEventListener("click", function (event) {
    // A click outside every open popover closes them.
    if (event.target.closest && event.target.closest("details.act")) { return; }
    document.querySelectorAll("details.act[open]").forEach(function (details) { details.open = false; });
  });

  // --- Tables marked .cards: label each cell with its column header for the phone layout. ---
  function labelCards(root) {
    (root || document).querySelectorAll("table.cards, .val table").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return (th.dataset.label !== undefined ? th.dataset.label : th.textContent).replace(/[↑↓]/g, "").trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (cell.dataset.label === undefined && heads[i] !== undefined && cell.colSpan === 1) { cell.dataset.label = heads[i]; }
        });
      });
    });
  }

  // --- Filter forms ([data-sync-url]): their controls always say what the URL says. ---
  // Back/forward restores the results from htmx's history cache but the form is wherever the user
  // left it; reading the controls back from the URL keeps the next filter change from dropping the rest.
  function syncFilters() {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form[data-sync-url]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "submit" || el.type === "button" || el.dataset.keep !== undefined) { return; }
        var values = params.getAll(el.name);
        if (el.type === "checkbox" || el.type === "radio") { el.checked = values.indexOf(el.value) !== -1; }
        else if (el.tagName === "SELECT") {
          el.value = values.length ? values[0] : "";
          if (el.selectedIndex < 0) { el.selectedIndex = 0; }
        } else { el.value = values.length ? values[0] : (el.dataset.default || ""); }
      });
    });
  }

  // --- Slow pages ([data-busy] on a link or a form): say what is running until the next page arrives. ---
  function busy(text) {
    var box = document.getElementById("busy");
    if (!box) { return; }
    box.querySelector(".busy-text").textContent = text;
    box.hidden = false;
    var main = document.getElementById("main");
    if (main) { main.setAttribute("aria-busy", "true"); }
  }
  function notBusy() {
    var box = document.getElementById("busy");
    if (box) { box.hidden = true; }
    var main = document.getElementById("main");
    if (main) { main.removeAttribute("aria-busy"); }
    document.querySelectorAll("form[data-busy] [data-busy-disabled]").forEach(function (b) {
      b.disabled = false; b.removeAttribute("data-busy-disabled");
    });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-busy]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) { return; }
    busy(link.dataset.busy);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-busy]") || event.defaultPrevented) { return; }
    busy(form.dataset.busy);
    // Disabled after the submission has read the pressed button's name and value: no second run.
    setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
        b.disabled = true; b.setAttribute("data-busy-disabled", "");
      });
    }, 0);
  });
  window.addEventListener("pageshow", notBusy);

  document.addEventListener("DOMContentLoaded", function () { labelCards(document); syncFilters(); });
  window.addEventListener("pageshow", function (event) { if (event.persisted) { syncFilters(); } });
  window.addEventListener("popstate", function () { setTimeout(syncFilters, 0); });

  if (!window.htmx) { return; }

  // Validation errors come back as 422 with the form re-rendered: swap them in
  // like a success. Other 4xx/5xx keep htmx's default (no swap) and show a toast.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];

  document.body.addEventListener("htmx:historyRestore", function () { syncFilters(); labelCards(document); });
  document.body.addEventListener("htmx:afterSettle", function (event) { labelCards(event.detail.elt.parentNode || document); });

  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409) {
      // Someone acted on the task first: say who and when, and show the list as it now is.
      toast(event.detail.xhr.responseText || "Someone else changed this task first.", "error");
      refreshResults();
      return;
    }
    toast(status === 403 ? "You are not allowed to do that." : "Something went wrong (" + status + ").", "error");
  });

  function refreshResults() {
    var results = document.querySelector("[data-results]");
    if (!results) { return; }
    htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#" + results.id, swap: "outerHTML" });
  }

  document.body.addEventListener("tasks-changed", function (event) {
    var detail = event.detail || {};
    var word = { complete: "Completed", snooze: "Snoozed", dismiss: "Dismissed", reassign: "Reassigned", undo: "Restored", wake: "Back in the queue" }[detail.action];
    var undo = detail.undo ? { label: "Undo", run: function () {
      htmx.ajax("POST", detail.undo, { swap: "none" }).then(refreshResults);
    } } : null;
    if (word) { toast(word + ".", "ok", undo); }
    else if (detail.count !== undefined) { toast(plural(detail.count, "task", "tasks") + " updated.", "ok"); }
  });

  // The bulk bar shows only the input its chosen action needs (all of them without JavaScript).
  function bulkInputs() {
    var bulk = document.getElementById("bulk");
    if (!bulk) { return; }
    var action = bulk.querySelector("select[name=action]").value;
    bulk.querySelectorAll("[data-bulk-for]").forEach(function (el) { el.hidden = el.dataset.bulkFor !== action; });
  }
  document.addEventListener("DOMContentLoaded", bulkInputs);
  document.body.addEventListener("htmx:afterSettle", bulkInputs);
  document.body.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("#bulk select[name=action]")) { bulkInputs(); }
  });

  // "Select all" in the bulk bar ticks every row checkbox of the current page.
  document.body.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("[data-select-all]")) {
      document.querySelectorAll("input[name=task][form=bulk]").forEach(function (cb) { cb.checked = box.checked; });
    }
  });
})();
