/* The operators' live-call list: polls the JSON endpoint and redraws the rows with DOM methods
   (never innerHTML). Without JavaScript the page still works with its Refresh link. Polling pauses
   after 10 minutes without keyboard or pointer activity, so an unattended screen does not keep the
   session alive past its idle timeout. */
(function () {
  "use strict";
  var table = document.getElementById("live-calls");
  if (!table || !window.fetch) { return; }
  var rows = document.getElementById("live-rows");
  var empty = document.getElementById("live-empty");
  var status = document.getElementById("live-status");
  var resume = document.getElementById("live-resume");
  var d = table.dataset;
  var interval = parseInt(d.interval, 10) || 5000;
  var IDLE_MS = 10 * 60 * 1000;
  var lastActivity = Date.now();
  var timer = null;
  var stopped = false;
  var baseTitle = document.title;
  var knownRinging = {};

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function row(c) {
    var tr = el("tr", { "class": "live-" + c.status, "data-id": c.id });
    tr.appendChild(el("td", {}, c.channel_label));
    var state = el("td");
    state.appendChild(el("span", { "class": "tag tag-live-" + c.status }, c.status_label));
    tr.appendChild(state);
    tr.appendChild(el("td", {}, c.received_label));
    tr.appendChild(el("td", { "class": "caller" }, c.caller));
    tr.appendChild(el("td", {}, c.activity_label));
    tr.appendChild(el("td", {}, c.is_mine ? d.labelYou : (c.operator || "—")));
    var actions = el("td", { "class": "actions" });
    if (c.claim_url) {
      var form = el("form", { method: "post", action: c.claim_url, "class": "inline" });
      form.appendChild(el("input", { type: "hidden", name: "csrf_token", value: d.csrf }));
      form.appendChild(el("button", { type: "submit", "class": "button primary" }, d.labelClaim));
      actions.appendChild(form);
    }
    actions.appendChild(el("a", { "class": "button", href: c.detail_url }, d.labelOpen));
    tr.appendChild(actions);
    return tr;
  }

  function focusedId() {
    var active = document.activeElement;
    var tr = active && active.closest ? active.closest("tr[data-id]") : null;
    return tr ? tr.getAttribute("data-id") : null;
  }

  function render(data) {
    var keep = focusedId();
    var fragment = document.createDocumentFragment();
    var ringing = 0;
    var fresh = {};
    data.calls.forEach(function (c) {
      fragment.appendChild(row(c));
      if (c.status === "ringing") { ringing += 1; fresh[c.id] = true; }
    });
    rows.replaceChildren(fragment);
    empty.hidden = data.calls.length > 0;
    var text = d.labelUpdated.replace("{time}", data.updated_label);
    var isNew = Object.keys(fresh).some(function (id) { return !knownRinging[id]; });
    if (ringing) { text += " " + d.labelRinging.replace("{n}", ringing); }
    knownRinging = fresh;
    // Only announce (aria-live) when a new call starts ringing; else update quietly.
    status.setAttribute("aria-live", isNew ? "assertive" : "off");
    status.textContent = text;
    document.title = (ringing ? "(" + ringing + ") " : "") + baseTitle;
    if (keep) {
      var again = rows.querySelector('tr[data-id="' + keep + '"] .button');
      if (again) { again.focus(); }
    }
  }

  function stop(message) {
    stopped = true;
    if (timer) { clearTimeout(timer); timer = null; }
    status.setAttribute("aria-live", "polite");
    status.textContent = message;
  }

  function schedule() {
    if (!stopped) { timer = setTimeout(poll, interval); }
  }

  function poll() {
    timer = null;
    if (Date.now() - lastActivity > IDLE_MS) {
      stop(d.labelPaused);
      resume.hidden = false;
      return;
    }
    fetch(d.source, { headers: { "Accept": "application/json" }, credentials: "same-origin", redirect: "follow" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || response.status === 401 || response.status === 403 || type.indexOf("application/json") === -1) {
          stop(d.labelSignedOut);
          return null;
        }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) { if (data) { render(data); schedule(); } })
      .catch(function () { status.textContent = d.labelOffline; schedule(); });
  }

  ["keydown", "pointerdown", "pointermove", "scroll", "focusin"].forEach(function (name) {
    window.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true });
  });
  resume.addEventListener("click", function () {
    lastActivity = Date.now();
    stopped = false;
    resume.hidden = true;
    poll();
  });
  schedule();
})();
