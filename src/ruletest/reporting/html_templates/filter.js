// The text filter: show the groups whose file, name, case ids, alerts or metrics contain every
// word typed; "failed only" hides passed groups.
(function () {
  "use strict";
  var input = document.getElementById("filter");
  var failedOnly = document.getElementById("failed-only");
  var shown = document.getElementById("shown");
  var groups = Array.prototype.slice.call(document.querySelectorAll("section.group"));
  function apply() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var count = 0;
    groups.forEach(function (g) {
      var text = g.getAttribute("data-search") || "";
      var ok = (!failedOnly.checked || g.classList.contains("failed")) &&
        words.every(function (w) { return text.indexOf(w) >= 0; });
      g.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count + " of " + groups.length + " groups";
  }
  input.addEventListener("input", apply);
  failedOnly.addEventListener("change", apply);
  apply();
})();
