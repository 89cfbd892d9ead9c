/* Intake form helpers (progressive enhancement: every page works without this file).
 *  - show only the sections the chosen kind of contact needs;
 *  - keep an unsent draft in sessionStorage (survives a reload or a lost connection, not the closing
 *    of the tab, so personal data does not stay on a shared computer), restore it, forget it once saved;
 *  - narrow the province list to the chosen region; show victim/suspect fields by role.
 */
(function () {
  "use strict";

  var PREFIX = "hotline-intake:";
  var store = null;
  try {
    store = window.sessionStorage;
    store.setItem(PREFIX + "probe", "1");
    store.removeItem(PREFIX + "probe");
  } catch (e) {
    store = null;
  }

  /* A page shown after a successful save names the draft to forget. */
  document.querySelectorAll("[data-clear-draft]").forEach(function (el) {
    if (store) { store.removeItem(PREFIX + el.getAttribute("data-clear-draft")); }
  });

  function checkedValue(form, name) {
    var el = form.querySelector('input[name="' + name + '"]:checked');
    return el ? el.value : "";
  }

  /* --- sections by kind --------------------------------------------------------------------- */
  function applyKind(form) {
    var kind = checkedValue(form, "kind");
    var choice = checkedValue(form, "case_choice");
    form.querySelectorAll("[data-kinds]").forEach(function (el) {
      var kinds = el.getAttribute("data-kinds").split(" ");
      var show = kind !== "" && kinds.indexOf(kind) !== -1;
      var needChoice = el.getAttribute("data-case-choice");
      if (needChoice && choice !== needChoice) { show = false; }
      el.hidden = !show;
    });
    /* a new case is only for trafficking reports: move a now hidden "new" choice elsewhere */
    var newChoice = form.querySelector("#case_choice-new");
    if (newChoice && newChoice.checked && kind && kind !== "trafficking_report") {
      var none = form.querySelector("#case_choice-none");
      if (kind !== "case_followup" && none) { none.checked = true; } else { newChoice.checked = false; }
    }
    /* a follow-up always has a case: "no case" is not offered */
    var noneChoice = form.querySelector("#case_choice-none");
    if (noneChoice && noneChoice.checked && kind === "case_followup") {
      noneChoice.checked = false;
    }
  }

  /* --- provinces of the chosen region ------------------------------------------------------- */
  function applyRegion(form) {
    var province = form.querySelector('select[name="province"]');
    if (!province) { return; }
    var region = form.querySelector('select[name="region"]');
    var code = region ? region.value : (form.getAttribute("data-region") || "");
    var prefix = code.slice(0, 2);
    province.querySelectorAll("optgroup").forEach(function (group) {
      var any = false;
      group.querySelectorAll("option").forEach(function (opt) {
        var show = !prefix || opt.value === "" || opt.value.slice(0, 2) === prefix;
        opt.hidden = !show;
        opt.disabled = !show;
        if (show && opt.value) { any = true; }
        if (!show && opt.selected) { province.value = ""; }
      });
      group.hidden = !any && group.querySelector('option[value=""]') === null;
    });
  }

  /* --- person role --------------------------------------------------------------------------- */
  function applyRole(form) {
    var role = checkedValue(form, "role");
    form.querySelectorAll("[data-roles]").forEach(function (el) {
      el.hidden = el.getAttribute("data-roles").split(" ").indexOf(role) === -1;
    });
  }

  /* --- drafts -------------------------------------------------------------------------------- */
  function serialise(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name === "action" || el.disabled) { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        if (!(el.name in data)) { data[el.name] = []; }
        if (el.checked) { data[el.name].push(el.value); }
      } else if (el.tagName === "SELECT" && el.multiple) {
        data[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function restore(form, data) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in data) || el.name === "csrf_token") { return; }
      var value = data[el.name];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = Array.isArray(value) && value.indexOf(el.value) !== -1;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) {
          o.selected = Array.isArray(value) && value.indexOf(o.value) !== -1;
        });
      } else if (typeof value === "string") {
        el.value = value;
      }
    });
  }

  function setUpDrafts(form) {
    var key = form.getAttribute("data-draft-key");
    if (!store || !key) { return; }
    key = PREFIX + key;
    var notice = document.getElementById("draft-notice");
    var saved = null;
    try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
    /* A fresh page (not one the server re-rendered with what was typed) takes the draft back. */
    if (saved && saved.data && form.getAttribute("data-fresh") === "1") {
      restore(form, saved.data);
      if (notice) {
        notice.hidden = false;
        var when = new Date(saved.at);
        var text = document.getElementById("draft-text");
        if (text && !isNaN(when.getTime())) {
          text.textContent = text.textContent + " (" + when.toLocaleTimeString() + ")";
        }
      }
    }
    var timer = null;
    var dirty = false;
    function save() {
      if (timer !== null) { window.clearTimeout(timer); }
      timer = null;
      if (!dirty) { return; }
      dirty = false;
      try { store.setItem(key, JSON.stringify({at: Date.now(), data: serialise(form)})); } catch (e) { /* full */ }
    }
    function later() {
      dirty = true;
      if (timer === null) { timer = window.setTimeout(save, 400); }
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    window.addEventListener("pagehide", save);
    var discard = document.getElementById("draft-discard");
    if (discard) {
      discard.addEventListener("click", function () {
        if (timer !== null) { window.clearTimeout(timer); timer = null; }
        dirty = false;
        store.removeItem(key);
        form.reset();
        form.querySelectorAll("input[type=text], input[type=tel], input[type=number], textarea").forEach(function (el) {
          el.value = "";
        });
        if (notice) { notice.hidden = true; }
        applyAll(form);
      });
    }
  }

  function applyAll(form) {
    applyKind(form);
    applyRegion(form);
    applyRole(form);
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (form.id === "intake-form") { setUpDrafts(form); }
    if (form.querySelector('input[name="kind"]') || form.querySelector('select[name="province"]') ||
        form.querySelector('input[name="role"]')) {
      applyAll(form);
      var reference = form.querySelector('input[name="case_reference"]');
      var byReference = form.querySelector("#case_choice-ref");
      if (reference && byReference) {
        reference.addEventListener("input", function () { if (reference.value) { byReference.checked = true; } });
      }
      form.addEventListener("change", function (event) {
        var name = event.target.name;
        if (name === "kind" || name === "case_choice") { applyKind(form); }
        if (name === "region") { applyRegion(form); }
        if (name === "role") { applyRole(form); }
      });
    }
  });

  /* Bring the error summary into view and focus so keyboard and screen-reader users land on it. */
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}());
