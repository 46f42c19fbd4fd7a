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

  // Session length (and the treatment's price at that length) as you choose, and a warning
  // before sending a session longer than the clinic's longest. Sentences come from the page.
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }
  function sessionLength() {
    var service = one('input[name="service"]:checked');
    var minutesInput = one('input[name="minutes"]:checked');
    if (!service || !minutesInput) { return null; }
    var minutes = parseInt(minutesInput.value, 10);
    var firstAddOn = null;
    all('input[name="add_on"]:checked').forEach(function (input) {
      if (input.disabled) { return; }
      minutes += parseInt(input.getAttribute("data-minutes") || "0", 10);
      if (!firstAddOn) { firstAddOn = input; }
    });
    var price = "";
    (service.getAttribute("data-prices") || "").split(";").forEach(function (pair) {
      var parts = pair.split("=");
      if (parts[0] === minutesInput.value) { price = parts[1]; }
    });
    var max = parseInt(root.getAttribute("data-max-minutes") || "0", 10);
    return { minutes: minutes, max: max, price: price, tooLong: max > 0 && minutes > max,
             fix: firstAddOn || minutesInput };
  }
  function showLength() {
    var region = document.getElementById("session-length");
    var length = sessionLength();
    if (!region || !length) { return length; }
    region.hidden = false;
    region.textContent = "";
    region.classList.toggle("is-warning", length.tooLong);
    var line = document.createElement("p");
    line.textContent = fill(region.getAttribute(length.tooLong ? "data-too-long" : "data-length"), length);
    region.appendChild(line);
    if (length.tooLong) {
      var link = document.createElement("a");
      link.href = "#" + length.fix.id;
      link.textContent = region.getAttribute("data-fix");
      region.appendChild(link);
    } else if (length.price) {
      var price = document.createElement("p");
      price.textContent = fill(region.getAttribute("data-price"), length);
      region.appendChild(price);
    }
    return length;
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
      showLength();
      form.addEventListener("change", function (event) {
        var name = event.target.name;
        if (name === "area") { suggest(true); }
        if (name === "service") { filterByService(); }
        if (name === "coverage") { togglePlan(); }
        showLength();
      });
      form.addEventListener("submit", function (event) {
        var length = showLength();
        if (length && length.tooLong) {
          event.preventDefault();
          document.getElementById("session-length").focus();
        }
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    // Every form with errors: its summary takes focus (after the browser has followed #anchors).
    var summary = document.getElementById("gfe-error-summary") ||
      document.getElementById("gfe-refusal") || document.getElementById("error-summary");
    if (summary) {
      summary.focus();
      window.setTimeout(function () { summary.focus(); }, 0);
    }
  });
})();
