"""Shared fixtures.

The schema is built once per run by the migrations, on SQLite (a temporary file) or on PostgreSQL
when TEST_DATABASE_URL is set. Each test runs inside a transaction that is rolled back; views that
commit only release a SAVEPOINT.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, orm, text

from config import TestConfig, database_url
from hotline import create_app
from hotline.extensions import db as _db
from hotline.extensions import limiter

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On SQLite, leave out the tests of races that only PostgreSQL's parallel writers can produce."""
    if (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgres"):
        return
    deselected = [item for item in items if item.get_closest_marker("postgresql_only")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql_only")]


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite in a temporary file, or a fresh PostgreSQL database per xdist worker."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    url = database_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        yield url
        return
    base, name = url.rsplit("/", 1)
    own = f"{name}_{worker}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{own}"'))
    yield f"{base}/{own}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def app(database_uri: str) -> Iterator[Flask]:
    app = create_app(type("RunConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_uri}))
    with app.app_context():
        upgrade(revision="heads")
        from hotline.partners.services import seed_partners
        from hotline.reference.services import seed_reference

        seed_reference()
        seed_partners()
        _db.session.commit()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.engine.dispose()  # close pooled connections before the interpreter collects them


@pytest.fixture
def db(app: Flask) -> Iterator[orm.scoped_session]:
    """A session inside an outer transaction that is rolled back after the test."""
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        from flask_sqlalchemy.session import _app_ctx_id

        factory = orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        _db.session = orm.scoped_session(factory, scopefunc=_app_ctx_id)
        limiter.reset()
        try:
            yield _db.session
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


class Client(FlaskClient):
    """A test client that fetches a CSRF token like a browser would.

    Each request runs in a fresh app context, as in production: otherwise the test's own app
    context (and its `g`) would be shared by every request.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self, page: str | None = None) -> str:
        html = self.get(page or "/login").get_data(as_text=True)
        match = CSRF_RE.search(html)
        assert match, f"no csrf token on {page}"
        return match.group(1) or match.group(2)

    def post_form(self, url: str, data: dict | None = None, page: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(page or url))
        return self.post(url, data=data, **kwargs)


@pytest.fixture
def client(app: Flask, db: orm.scoped_session) -> FlaskClient:
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def make_user(db: orm.scoped_session) -> Callable[..., object]:
    from tests.factories import UserFactory

    return UserFactory.create


@pytest.fixture
def login(client: Client, make_user: Callable[..., object]) -> Callable[..., object]:
    """`login("coordinator")` creates a user with that role and signs the test client in."""
    from tests.factories import DEFAULT_PASSWORD

    def _login(role: str = "operator", **kwargs: object) -> object:
        user = make_user(role=role, **kwargs)
        response = client.post_form("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return _login


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """One system Chromium for the whole run (Playwright allows one sync driver per process)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: .ci/run installs the 'chromium' package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
