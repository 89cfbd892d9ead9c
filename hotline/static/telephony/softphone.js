/* The operators' softphone: Twilio's Voice JavaScript SDK (vendored, served by the app).
 * Tests inject a fake `window.Twilio.Device` before this script runs. */
(function () {
  "use strict";
  var root = document.getElementById("softphone");
  if (!root || !window.Twilio || !window.Twilio.Device) { return; }
  var d = root.dataset;
  var $ = function (id) { return document.getElementById(id); };
  var device = null, call = null, callId = null, muted = false;

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": d.csrf, "Content-Type": "application/x-www-form-urlencoded"},
      body: body || ""
    });
  }
  function status(text) { $("phone-status").textContent = text; }
  function show(on) { $("call-panel").hidden = !on; }

  function fetchToken() {
    return post(d.tokenUrl).then(function (r) {
      if (!r.ok) { throw new Error("token " + r.status); }
      return r.json();
    });
  }

  function loadCall(id) {
    callId = id;
    fetch(d.callUrl.replace("/0/", "/" + id + "/"), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (info) {
        if (!info) { return; }
        $("call-history").textContent = d.labelPrevious.replace("{n}", info.previous);
        var link = $("intake-link");
        link.href = info.intake_url; link.hidden = false;
      });
  }

  function ended() {
    call = null; muted = false; show(false);
    $("btn-mute").setAttribute("aria-pressed", "false");
    status(d.labelEnded);
    refreshQueue();
  }

  function incoming(c) {
    call = c;
    show(true);
    $("call-label").textContent = d.labelIncoming;
    $("call-from").textContent = (c.parameters && c.parameters.From) ? "" : "";
    $("btn-accept").hidden = false;
    var params = c.customParameters;
    var id = params && params.get ? params.get("CallId") : null;
    if (id) { loadCall(id); }
    c.on("disconnect", ended);
    c.on("cancel", ended);
    c.on("reject", ended);
  }

  function start() {
    fetchToken().then(function (t) {
      device = new window.Twilio.Device(t.token, {codecPreferences: ["opus", "pcmu"], closeProtection: true});
      device.on("registered", function () { status(d.labelReady); });
      device.on("error", function () { status(d.labelError); });
      device.on("incoming", incoming);
      device.on("tokenWillExpire", function () {
        fetchToken().then(function (n) { device.updateToken(n.token); });
      });
      device.register();
    }).catch(function () { status(d.labelError); });
  }

  $("btn-accept").addEventListener("click", function () {
    if (!call) { return; }
    call.accept();
    var link = $("intake-link");
    // The intake form opens beside the call, in its own window (pages may not be framed).
    if (!link.hidden) { window.open(link.href, "intake", "noopener"); }
    $("btn-accept").hidden = true;
    $("call-label").textContent = d.labelOnCall;
    $("presence-status").value = "busy";
  });
  $("btn-mute").addEventListener("click", function () {
    if (!call) { return; }
    muted = !muted; call.mute(muted);
    $("btn-mute").setAttribute("aria-pressed", muted ? "true" : "false");
  });
  $("btn-hangup").addEventListener("click", function () {
    if (call) { call.disconnect(); }
  });
  $("btn-hold").addEventListener("click", function () {
    if (!callId) { return; }
    post(d.holdUrl.replace("/0/", "/" + callId + "/")).then(function (r) {
      if (r.ok) {
        $("call-label").textContent = d.labelHeld;
        $("btn-hold").hidden = true; $("btn-resume").hidden = false;
      } else { status(d.labelError); }
    });
  });
  $("btn-resume").addEventListener("click", function () {
    if (!device || !callId) { return; }
    device.connect({params: {Purpose: "resume", CallId: String(callId)}}).then(function (c) {
      call = c; c.on("disconnect", ended);
      $("call-label").textContent = d.labelOnCall;
      $("btn-hold").hidden = false; $("btn-resume").hidden = true;
    });
  });
  $("presence-status").addEventListener("change", function (event) {
    post(d.presenceUrl, "status=" + encodeURIComponent(event.target.value) +
         "&csrf_token=" + encodeURIComponent(d.csrf)).then(function (r) {
      return r.json();
    }).then(function (body) {
      if (body.status) { $("presence-status").value = body.status; }
    });
  });

  function refreshQueue() {
    fetch(d.queueUrl, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (q) {
        if (!q) { return; }
        $("queue-status").textContent = d.labelWaiting.replace("{n}", q.waiting).replace("{s}", q.longest_wait_seconds);
        if (!call && document.activeElement !== $("presence-status")) { $("presence-status").value = q.me; }
      });
  }
  window.setInterval(refreshQueue, 5000);
  start();
})();
