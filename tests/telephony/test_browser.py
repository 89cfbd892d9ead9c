"""The live-call view in the system Chromium: new calls appear without a reload, and a call
taken from a row drawn by JavaScript opens the intake (or the contact page)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from werkzeug.serving import make_server

from config import TestConfig
from hotline import create_app
from hotline.extensions import db
from tests.factories import DEFAULT_PASSWORD
from tests.telephony.conftest import PUBLIC, sign, voice_form

pytestmark = pytest.mark.browser
EMAIL = "live-operator@hotline.test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from flask_migrate import upgrade

    from hotline.auth import services as auth
    from hotline.auth.models import Role

    path = tmp_path_factory.mktemp("live") / "live.db"
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TELEPHONY_POLL_SECONDS": 1}
    app = create_app(type("Live", (TestConfig,), config))
    with app.app_context():
        upgrade(revision="heads")
        auth.create_user(email=EMAIL, role=Role.OPERATOR, password=DEFAULT_PASSWORD, name="Olga")
        db.session.commit()
        db.session.remove()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    with app.app_context():
        db.engine.dispose()


def ring(base: str, caller: str) -> None:
    form = voice_form(From=caller)
    response = requests.post(
        base + "/twilio/voice",
        data=form,
        timeout=5,
        headers={"X-Twilio-Signature": sign(PUBLIC + "/twilio/voice", form)},
    )
    assert response.status_code == 200


def test_live_view_updates_itself_and_claims(server, browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server + "/login")
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(server + "/live/?lang=en")
        assert page.locator("#live-empty").is_visible()
        ring(server, "+51987000111")
        page.wait_for_selector("#live-rows tr", timeout=5000)
        row = page.locator("#live-rows tr").first
        assert "111" in row.inner_text() and "+51987000111" not in page.content()
        assert page.locator("#live-empty").is_hidden()
        assert page.title().startswith("(1) ")
        assert "1 ringing" in page.inner_text("#live-status")
        row.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert "/intake" in page.url or "/live/calls/" in page.url
        assert errors == []
    finally:
        context.close()
