// Referrals: the print button; on the referral form, each partner's sharing choices shown only
// while that partner is ticked, the consent-override reason shown only when the override is
// ticked, and the live preview of what each partner will see.
//
// The preview is rendered by the server (the same template as the partner's portal page): this
// script only posts the form with action=preview and swaps the answer in. Without JavaScript the
// "Preview" button does the same with a whole page.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  document.querySelectorAll("[data-override]").forEach(function (box) {
    var override = box.querySelector("input[type=checkbox]");
    var reason = box.querySelector("textarea");
    if (!override || !reason) { return; }
    var field = reason.closest(".field");
    var sync = function () { field.hidden = !override.checked && !reason.value; };
    override.addEventListener("change", sync);
    sync();
  });

  var form = document.querySelector("form[data-preview-url]");
  var target = document.getElementById("referral-preview");
  if (!form || !target || !window.fetch || !window.FormData) { return; }
  var stale = form.querySelector("[data-preview-stale]");

  form.querySelectorAll("[data-share-for]").forEach(function (fieldset) {
    var tick = document.getElementById("p_" + fieldset.getAttribute("data-share-for"));
    if (!tick) { return; }
    var sync = function () { fieldset.hidden = !tick.checked; };
    tick.addEventListener("change", sync);
    sync();
  });

  var timer = null;
  var asked = 0;
  var update = function () {
    var data = new FormData(form);
    data.set("action", "preview");
    data.set("fragment", "1");
    var number = ++asked;
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok || response.redirected) { throw new Error("preview " + response.status); }
      return response.text();
    }).then(function (html) {
      if (number !== asked) { return; } // a newer preview is on its way
      target.innerHTML = html;
      if (stale) { stale.hidden = true; }
    }).catch(function () {
      if (number === asked && stale) { stale.hidden = false; }
    });
  };
  var later = function (delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, delay);
  };
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA") { later(700); }
  });
  form.addEventListener("change", function () { later(150); });
})();
