/* 民政一体化服务平台 — small progressive enhancements. Every feature works without JS. */
(function () {
  "use strict";

  // Large-text mode: switch at once and remember in a cookie, instead of a round trip.
  document.querySelectorAll("form[data-large-text-toggle]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var on = !document.body.classList.contains("large-text");
      document.body.classList.toggle("large-text", on);
      document.cookie = "large_text=" + (on ? "1" : "0") + "; path=/; max-age=" + 31536000 + "; samesite=lax";
      var button = form.querySelector("button");
      if (button) { button.setAttribute("aria-pressed", on ? "true" : "false"); }
    });
  });

  // Ask before irreversible or audited actions: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !form.hasAttribute("hx-post")) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    }
  }, true);

  // A second click while the first is on its way does nothing (the service refuses it anyway).
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });

  // Print buttons: <button data-print> (no inline handlers: the Content-Security-Policy forbids them).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
