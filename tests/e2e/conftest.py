"""End-to-end tests in the system Chromium, driven by Playwright, against a live local server.

The server runs in a thread with its own migrated SQLite database (committed data, unlike the
rolled-back unit-test transactions). Chromium comes from Debian's package (`/usr/bin/chromium`,
installed by `.ci/run`); no browser is ever downloaded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from config import TestConfig
from hotline import create_app
from hotline.extensions import db


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from flask_migrate import upgrade

    path = tmp_path_factory.mktemp("e2e") / "e2e.db"
    app = create_app(type("E2E", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}))
    with app.app_context():
        upgrade()
        runner = app.test_cli_runner()
        assert runner.invoke(args=["seed"]).exit_code == 0
        assert runner.invoke(args=["demo"]).exit_code == 0
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="es-PE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    external: list[str] = []
    # The quick-exit target is the one allowed outside address (tests fulfil it with page.route).
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith((live_server, "https://www.google.com/")) else external.append(r.url)
        ),
    )
    page.base_url = live_server  # type: ignore[attr-defined]
    yield page
    context.close()
    assert external == [], f"third-party requests: {external}"
