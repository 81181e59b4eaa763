// Board filters applied to the cards on the page as you type (also what the static site uses; the live
// server additionally filters on submit, over every spec, bodies included).
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) return;
  function apply() {
    var q = (form.elements.q.value || "").trim().toLowerCase();
    var type = form.elements.type.value, label = form.elements.label.value, driver = form.elements.driver.value;
    var cards = document.querySelectorAll(".card");
    for (var i = 0; i < cards.length; i++) {
      var c = cards[i], d = c.dataset;
      var ok = (!q || d.title.indexOf(q) >= 0 || d.id.indexOf(q) >= 0) &&
        (!type || d.type === type) &&
        (!label || (" " + d.labels + " ").indexOf(" " + label + " ") >= 0) &&
        (!driver || d.driver === driver || d.id === driver);
      c.hidden = !ok;
    }
  }
  form.addEventListener("input", apply);
  if (form.dataset.static) {
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
    apply();
  }
})();
