/* Healthscore: the little JavaScript of our own. htmx does the rest. */
(function () {
  "use strict";
  if (!window.htmx) { return; }

  // Validation errors come back as 422 with the form re-rendered: swap them in
  // like a success. Other 4xx/5xx keep htmx's default (no swap) and show a toast.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];

  function toast(text, kind) {
    var box = document.getElementById("toasts");
    if (!box) { return; }
    var item = document.createElement("div");
    item.className = "toast toast-" + (kind || "info");
    item.textContent = text;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 4000);
  }

  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    toast(status === 403 ? "You are not allowed to do that." : "Something went wrong (" + status + ").", "error");
  });

  document.body.addEventListener("tasks-changed", function (event) {
    var detail = event.detail || {};
    var word = { complete: "Completed", snooze: "Snoozed", dismiss: "Dismissed", reassign: "Reassigned" }[detail.action];
    if (word) { toast(word + ".", "ok"); }
    else if (detail.count !== undefined) { toast(detail.count + " task(s) updated.", "ok"); }
  });

  // "Select all" in the bulk bar ticks every row checkbox of the current page.
  document.body.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("[data-select-all]")) {
      document.querySelectorAll("input[name=task][form=bulk]").forEach(function (cb) { cb.checked = box.checked; });
    }
  });
})();
