(function () {
  "use strict";
  var nsSelect = document.getElementById("filter-namespace");
  var sevSelect = document.getElementById("filter-severity");
  var shown = document.getElementById("filter-shown");

  // Every filterable element carries data-ns, a JSON list of the
  // namespaces it concerns (empty: cluster-wide, shown for every
  // namespace), and data-sev, the severities it has (none on a skipped
  // or passed check: a severity filter is about failures).
  function apply() {
    var ns = nsSelect.value === "" ? "" : JSON.parse(nsSelect.value);
    var sev = sevSelect.value, total = 0, visible = 0;
    var items = document.querySelectorAll("[data-ns]");
    for (var i = 0; i < items.length; i++) {
      var el = items[i], list = [];
      try { list = JSON.parse(el.getAttribute("data-ns") || "[]"); } catch (e) { list = []; }
      var sevs = el.getAttribute("data-sev");
      var ok = (ns === "" || list.length === 0 || list.indexOf(ns) >= 0) &&
        (sev === "" || sevs === null || sevs.split(" ").indexOf(sev) >= 0);
      el.hidden = !ok;
      if (el.classList.contains("finding") && el.closest("details") === null) {
        total++;
        if (ok) { visible++; }
      }
    }
    shown.textContent = (ns === "" && sev === "") ? "" : visible + " of " + total + " findings shown";
  }
  nsSelect.addEventListener("change", apply);
  sevSelect.addEventListener("change", apply);

  function copied(button) {
    var label = button.textContent;
    button.classList.add("copied");
    button.textContent = "copied";
    setTimeout(function () { button.classList.remove("copied"); button.textContent = label; }, 1500);
  }

  // Outside a secure context, or when the page has no clipboard
  // permission, navigator.clipboard is missing or refuses: a selected
  // textarea and execCommand still work there.
  function fallback(text, button) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "-1000px";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    if (ok) { copied(button); } else { button.textContent = "select and copy"; }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.copy") : null;
    if (!button) { return; }
    // data-copy is the fix.sh line JSON-encoded (see html.go).
    var text = JSON.parse(button.getAttribute("data-copy"));
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { copied(button); }, function () { fallback(text, button); });
    } else {
      fallback(text, button);
    }
  });
}());
