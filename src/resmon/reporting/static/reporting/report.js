/* The report page (strict CSP: no inline scripts). The page works without it; with it:
   - every form that writes on the report sends the report's current version (the autosave
     moves it on), so adding evidence after an autosave is not refused as a stale copy;
   - the classification comes first: Mật and above allow only "document number and date". */
(function () {
  "use strict";

  function currentVersion() {
    var input = document.getElementById("report-version");
    return input ? input.value : null;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var version = currentVersion();
    if (!version || form.id === "report-form") return;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.hasAttribute("data-report-version")) el.value = version;
    });
  }, true);

  function syncKinds(box) {
    var checked = box.querySelector("input[name$='-classification']:checked");
    var classified = checked && checked.value !== "thuong";
    box.querySelectorAll("input[name$='-kind']").forEach(function (radio) {
      if (classified) {
        radio.disabled = radio.value !== "document";
        if (radio.value === "document") radio.checked = true;
      } else {
        radio.disabled = false;
      }
    });
    var kind = box.querySelector("input[name$='-kind']:checked");
    box.querySelectorAll("[data-evidence-kind]").forEach(function (part) {
      part.hidden = !!kind && part.getAttribute("data-evidence-kind") !== kind.value;
    });
  }

  function setUp(root) {
    (root || document).querySelectorAll("[data-evidence-form]").forEach(syncKinds);
  }

  document.addEventListener("change", function (event) {
    var box = event.target.closest && event.target.closest("[data-evidence-form]");
    if (box) syncKinds(box);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUp(); });
  } else {
    setUp();
  }
})();
