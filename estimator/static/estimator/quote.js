// The quote page works without this file; with it, choices follow each other as you answer.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Only the quote form's own controls: the request form repeats the answers as hidden inputs.
  var root = null;
  function all(selector) {
    return root ? Array.prototype.slice.call(root.querySelectorAll(selector)) : [];
  }
  function one(selector) {
    return root ? root.querySelector(selector) : null;
  }
  function words(value) {
    return (value || "").split(" ").filter(Boolean);
  }
  function checked(name) {
    var input = one('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  // Only the lengths and add-ons the chosen treatment offers stay visible and enabled.
  function filterByService() {
    var service = one('input[name="service"]:checked');
    if (!service) { return; }
    var durations = words(service.getAttribute("data-durations"));
    var minutes = all('input[name="minutes"]');
    minutes.forEach(function (input) {
      var offered = durations.indexOf(input.value) !== -1;
      input.disabled = !offered;
      input.closest(".choice").hidden = !offered;
      if (!offered) { input.checked = false; }
    });
    if (!checked("minutes")) {
      var first = minutes.filter(function (i) { return !i.disabled; })[0];
      if (first) { first.checked = true; }
    }
    all('input[name="add_on"]').forEach(function (input) {
      var box = input.closest(".choice");
      var allowed = words(box.getAttribute("data-services")).indexOf(service.value) !== -1;
      input.disabled = !allowed;
      box.hidden = !allowed;
      if (!allowed) { input.checked = false; }
    });
  }

  // The treatments suggested for what hurts are marked, and the first is chosen for you.
  function suggest(choose) {
    var area = one('input[name="area"]:checked');
    var codes = area ? words(area.getAttribute("data-suggest")) : [];
    all(".choice[data-service]").forEach(function (box) {
      var on = codes.indexOf(box.getAttribute("data-service")) !== -1;
      box.classList.toggle("is-suggested", on);
      box.querySelector("[data-badge]").hidden = !on;
    });
    if (choose && codes.length) {
      var input = one('input[name="service"][value="' + codes[0] + '"]');
      if (input) { input.checked = true; }
    }
    filterByService();
  }

  function togglePlan() {
    var fields = document.getElementById("plan-fields");
    if (fields) { fields.hidden = checked("coverage") !== "insured"; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("f-form");
    root = form;
    if (form) {
      suggest(false);
      togglePlan();
      form.addEventListener("change", function (event) {
        var name = event.target.name;
        if (name === "area") { suggest(true); }
        if (name === "service") { filterByService(); }
        if (name === "coverage") { togglePlan(); }
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    var summary = document.getElementById("gfe-error-summary") || document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
