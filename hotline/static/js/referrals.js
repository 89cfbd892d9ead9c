// Referrals: the print button, and the consent-override reason shown only when the override is ticked.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var override = document.getElementById("override_consent");
  var reason = document.getElementById("override_reason");
  if (override && reason) {
    var box = reason.closest(".field");
    var sync = function () { box.hidden = !override.checked && !reason.value; };
    override.addEventListener("change", sync);
    sync();
  }
})();
