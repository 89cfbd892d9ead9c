"""The softphone page in the system Chromium against a fake `Twilio.Device` injected before the
page's scripts (the vendored SDK is replaced by nothing): incoming, answer, mute, hold, hang up,
presence changes. The server is real; Twilio's REST API is a fake HTTP client."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from config import TestConfig
from hotline import create_app
from hotline.calls.models import Call
from hotline.extensions import db
from hotline.telephony.models import OperatorPresence
from hotline.telephony.sender import HTTP_CLIENT_KEY
from tests.factories import DEFAULT_PASSWORD
from tests.telephony.conftest import FakeHttpClient, created, new_sid

pytestmark = pytest.mark.browser
EMAIL = "softphone-operator@hotline.test"

FAKE_DEVICE = """
(() => {
  const log = [];
  class FakeCall {
    constructor(params) { this.handlers = {}; this.customParameters = new Map(Object.entries(params)); }
    on(name, fn) { this.handlers[name] = fn; }
    emit(name) { (this.handlers[name] || (() => {}))(); }
    accept() { log.push("accept"); }
    mute(on) { log.push("mute:" + on); }
    disconnect() { log.push("disconnect"); this.emit("disconnect"); }
  }
  class FakeDevice {
    constructor(token, options) {
      this.handlers = {};
      log.push("token:" + token.split(".").length);
      window.__device = this;
    }
    on(name, fn) { this.handlers[name] = fn; }
    register() { log.push("register"); setTimeout(() => this.handlers.registered(), 0); }
    updateToken(t) { log.push("updateToken"); }
    connect(options) {
      log.push("connect:" + options.params.Purpose);
      return Promise.resolve(new FakeCall({}));
    }
    ring(callId) {
      const c = new FakeCall({CallId: String(callId)});
      window.__call = c;
      this.handlers.incoming(c);
    }
  }
  window.__log = log;
  window.Twilio = {Device: FakeDevice};
})();
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    from flask_migrate import upgrade

    from hotline.auth import services as auth
    from hotline.auth.models import Role

    path = tmp_path_factory.mktemp("softphone") / "softphone.db"
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        "TWILIO_API_KEY_SID": "SK" + "3" * 32,
        "TWILIO_API_KEY_SECRET": "api-key-secret-for-tests-32-bytes",
        "TWILIO_TWIML_APP_SID": "AP" + "4" * 32,
    }
    app = create_app(type("Softphone", (TestConfig,), config))
    app.extensions[HTTP_CLIENT_KEY] = FakeHttpClient(*[created({}, 200) for _ in range(10)])
    with app.app_context():
        upgrade(revision="heads")
        auth.create_user(email=EMAIL, role=Role.OPERATOR, password=DEFAULT_PASSWORD, name="Olga")
        db.session.commit()
        db.session.remove()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", app
    httpd.shutdown()
    with app.app_context():
        db.engine.dispose()


def _live_call_for(app, email: str) -> int:  # type: ignore[no-untyped-def]
    from hotline.auth.models import User
    from hotline.calls import services as calls
    from hotline.calls.models import CallStatus, Channel

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        call = calls.log_call(
            channel=Channel.PHONE,
            status=CallStatus.IN_PROGRESS,
            twilio_sid=new_sid(),
            caller_number="+51987000222",
        )
        call.twilio_status = "in-progress"
        call.operator_id = user.id
        db.session.commit()
        call_id = call.id
        db.session.remove()
    return call_id


def _presence(app, email: str) -> str | None:  # type: ignore[no-untyped-def]
    from hotline.auth.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        status = db.session.scalar(select(OperatorPresence.status).where(OperatorPresence.user_id == user.id))
        db.session.remove()
    return status


def until(page, expression: str, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    """Poll an expression with page.evaluate (wait_for_function would need 'unsafe-eval' in the CSP)."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, expression
        page.wait_for_timeout(50)


def test_softphone_answers_mutes_holds_and_hangs_up(server, browser):
    base, app = server
    context = browser.new_context(locale="en-GB")
    try:
        page = context.new_page()
        errors: list[str] = []
        external: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith(base) else external.append(r.url))
        # The SDK is replaced by the fake, injected before any page script.
        page.route(
            "**/static/telephony/vendor/*.js",
            lambda route: route.fulfill(body="", content_type="text/javascript"),
        )
        page.add_init_script(FAKE_DEVICE)
        page.goto(base + "/login")
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(base + "/live/softphone?lang=en")
        until(page, "document.getElementById('phone-status').textContent.includes('Ready')")
        assert page.evaluate("window.__log") == ["token:3", "register"]
        # Presence: the operator makes themselves available.
        page.select_option("#presence-status", "available")
        page.wait_for_timeout(300)
        assert _presence(app, EMAIL) == "available"
        # An offered call rings the browser.
        call_id = _live_call_for(app, EMAIL)
        page.evaluate(f"window.__device.ring({call_id})")
        assert page.locator("#call-panel").is_visible()
        until(page, "document.getElementById('call-history').textContent.length > 0")
        assert f"/calls/{call_id}" in page.get_attribute("#intake-link", "href") or str(call_id) in (
            page.get_attribute("#intake-link", "href") or ""
        )
        with context.expect_page() as intake:
            page.click("#btn-accept")
        intake.value.wait_for_load_state()
        assert str(call_id) in intake.value.url  # the intake form, beside the call
        assert "On a call" in page.inner_text("#call-label")
        assert page.locator("#btn-accept").is_hidden()
        page.click("#btn-mute")
        assert page.get_attribute("#btn-mute", "aria-pressed") == "true"
        page.click("#btn-hold")
        until(page, "document.getElementById('call-label').textContent.includes('hold')")
        assert page.locator("#btn-resume").is_visible()
        fake = app.extensions[HTTP_CLIENT_KEY]
        assert any("<Enqueue" in r["data"].get("Twiml", "") for r in fake.requests)
        page.click("#btn-resume")
        until(page, "window.__log.includes('connect:resume')")
        page.click("#btn-hangup")
        until(page, "document.getElementById('call-panel').hidden")
        assert "Call ended" in page.inner_text("#phone-status")
        assert page.evaluate("window.__log").count("accept") == 1
        assert "mute:true" in page.evaluate("window.__log")
        # Away: no more offers.
        page.select_option("#presence-status", "away")
        page.wait_for_timeout(300)
        assert _presence(app, EMAIL) == "away"
        with app.app_context():
            assert db.session.get(Call, call_id) is not None
            db.session.remove()
        assert errors == [] and external == []
    finally:
        context.close()
