/* Resmon's own behaviour, loaded from a static file (strict CSP: no inline scripts). */
(function () {
  "use strict";

  if (window.htmx) {
    // htmx would otherwise insert an inline <style> and may evaluate inline code: both off.
    htmx.config.includeIndicatorStyles = false;
    htmx.config.allowEval = false;
    htmx.config.allowScriptTags = false;
    htmx.config.selfRequestsOnly = true;
    // settling copies these attributes onto swapped elements; "style" is left out so a swap never
    // writes a style attribute the CSP would refuse
    htmx.config.attributesToSettle = ["class", "width", "height"];
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") {
      event.detail.headers["X-CSRFToken"] = csrfToken();
    }
  });

  function submitForm(form) {
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  // Confirm dialogs: <form data-confirm="..."> or <button/a data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = (event.submitter && event.submitter.dataset.confirm) || form.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-confirm]");
    if (link && !window.confirm(link.dataset.confirm)) event.preventDefault();
  });

  // GET forms marked data-drop-empty leave empty fields out of the URL (short, shareable links).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches("form[data-drop-empty]")) return;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && !el.disabled && el.value === "") {
        el.disabled = true;
        el.dataset.dropped = "1";
      }
    });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[data-dropped]").forEach(function (el) {
      el.disabled = false;
      delete el.dataset.dropped;
    });
  });

  // Selects marked data-autosubmit submit their form when changed (filter bars, language).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]")) submitForm(el.form);
  });

  // Agency picker: typing clears the chosen id; picking a match fills it and applies the filter.
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("[data-picker] input[type=search]")) return;
    var hidden = el.closest("[data-picker]").querySelector("input[type=hidden]");
    if (hidden) hidden.value = "";
  });
  document.addEventListener("click", function (event) {
    var choice = event.target.closest("[data-pick-id]");
    if (!choice) return;
    var picker = choice.closest("[data-picker]");
    picker.querySelector("input[type=hidden]").value = choice.dataset.pickId;
    picker.querySelector("input[type=search]").value = choice.dataset.pickName;
    var results = picker.querySelector(".picker-results");
    if (results) results.innerHTML = "";
    submitForm(picker.closest("form"));
  });

  // Tree toggles: the first click loads the children with htmx, later clicks fold/unfold them.
  function targetOf(toggle) {
    return document.getElementById(toggle.getAttribute("aria-controls"));
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var toggle = event.detail.elt;
    if (!toggle.matches || !toggle.matches("[data-tree-toggle]")) return;
    if (toggle.dataset.loaded === "1") {
      event.preventDefault();
      var target = targetOf(toggle);
      var open = toggle.getAttribute("aria-expanded") === "true";
      target.hidden = open;
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var toggle = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!toggle || !toggle.matches || !toggle.matches("[data-tree-toggle]")) return;
    toggle.dataset.loaded = "1";
    toggle.setAttribute("aria-expanded", "true");
    var target = targetOf(toggle);
    if (target) target.hidden = false;
  });
})();
