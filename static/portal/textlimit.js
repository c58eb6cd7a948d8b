/* A live character counter for text with a limit (data-maxlength, set by assistance.forms.LimitedCharField).
   The limit is never applied by cutting: the server refuses over-long text with a clear message. */
(function () {
  "use strict";
  function attach(field) {
    var max = parseInt(field.getAttribute("data-maxlength"), 10);
    if (!max || field.getAttribute("data-counter-attached")) { return; }
    field.setAttribute("data-counter-attached", "1");
    var label = field.getAttribute("data-counter-label") || "{n} / {max}";
    var counter = document.createElement("div");
    counter.className = "form-text text-end";
    counter.setAttribute("aria-live", "polite");
    if (field.id) { counter.id = field.id + "-counter"; field.setAttribute("aria-describedby", counter.id); }
    field.insertAdjacentElement("afterend", counter);
    function update() {
      var n = Array.from(field.value).length;  // characters, not UTF-16 units: 汉字 and emoji count once
      counter.textContent = label.replace("{n}", n).replace("{max}", max);
      var over = n > max;
      counter.classList.toggle("text-danger", over);
      counter.classList.toggle("fw-semibold", over);
      field.classList.toggle("is-invalid", over);
    }
    field.addEventListener("input", update);
    update();
  }
  function scan() { document.querySelectorAll("[data-maxlength]").forEach(attach); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", scan); } else { scan(); }
})();
