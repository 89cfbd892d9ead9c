"""Shared fixtures.

The schema is built once per run by the migrations, on SQLite (a temporary file) or on PostgreSQL
when TEST_DATABASE_URL is set. Each test runs inside a transaction that is rolled back; views that
commit only release a SAVEPOINT. No test may reach the network: only this machine answers.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from typing import Any

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


# --- no network -----------------------------------------------------------------------------------


class NetworkBlocked(AssertionError):
    """A test tried to open a connection to another machine."""


_blocked: list[str] = []


def _is_local(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback  # 127.0.0.0/8, ::1
    except ValueError:
        return False  # a host name: refused before any DNS lookup


def _check_address(address: Any, what: str) -> None:
    host = address[0] if isinstance(address, tuple) and address else address
    if _is_local(host):
        return
    message = (
        f"test tried to reach the network ({what} to {address!r}): tests may only connect to "
        "127.0.0.1, ::1, localhost or a Unix socket; use a fake instead (see tests/conftest.py)"
    )
    _blocked.append(message)
    raise NetworkBlocked(message)


@pytest.fixture(scope="session", autouse=True)
def network_guard() -> Iterator[list[str]]:
    """For the whole run, refuse every connection that would leave this machine (AF_UNIX is fine).

    Yields the messages of the refused attempts. PostgreSQL (libpq) and Chromium connect outside
    Python; both are on 127.0.0.1.
    """
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def connect(self: socket.socket, address: Any) -> None:
        if self.family != socket.AF_UNIX:
            _check_address(address, "connect")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family != socket.AF_UNIX:
            _check_address(address, "connect_ex")
        return real_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        _check_address(address, "create_connection")
        return real_create_connection(address, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        patch.setattr(socket, "create_connection", create_connection)
        yield _blocked


_call_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.when == "call":
        item.stash[_call_failed] = report.failed
    return report


@pytest.fixture(autouse=True)
def no_network(request: pytest.FixtureRequest, network_guard: list[str]) -> Iterator[list[str]]:
    """Fail the test that tried to reach the network, even if the code under test caught the error."""
    network_guard.clear()
    yield network_guard
    if network_guard and not request.node.stash.get(_call_failed, False):
        pytest.fail("\n".join(network_guard), pytrace=False)


# --- database and app ----------------------------------------------------------------------------


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


def sign_in(client: Client, user: Any) -> Any:
    """Sign `user` in through the real pages: the password, then (when it is on) a current code.

    The code comes from the factory's authenticator secret, so the second step is the real one.
    """
    import pyotp
    from sqlalchemy import select

    from hotline.auth.models import User
    from hotline.database import utcnow
    from tests.factories import DEFAULT_PASSWORD, TOTP_SECRET

    response = client.post_form("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    if response.headers["Location"] == "/login/code":
        # The current code, or the next one (accepted as clock drift) if this user signed in with
        # the current one a moment ago: a code is accepted only once.
        last = _db.session.scalar(select(User.totp_last_step).where(User.id == user.id))
        step = max(int(utcnow().timestamp()) // 30, (last or 0) + 1)
        response = client.post_form("/login/code", {"code": pyotp.TOTP(TOTP_SECRET).at(step * 30)})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert response.headers["Location"] != "/login", "the second step was refused"
    return response


@pytest.fixture
def login(client: Client, make_user: Callable[..., object]) -> Callable[..., object]:
    """`login("coordinator")` creates a user with that role and signs the test client in.

    Admins, managers and coordinators are made with two-step verification on (as the app requires
    of them), so signing in passes the code prompt with a real code.
    """

    def _login(role: str = "operator", **kwargs: object) -> object:
        user = make_user(role=role, **kwargs)
        sign_in(client, user)
        return user

    return _login


@pytest.fixture
def operator(make_user: Callable[..., object]) -> object:
    return make_user(role="operator")


@pytest.fixture
def coordinator(make_user: Callable[..., object]) -> object:
    return make_user(role="coordinator")


@pytest.fixture
def english(request: pytest.FixtureRequest) -> Iterator[None]:
    """English instead of the default Spanish, so assertions read the msgids.

    The test client asks for English pages and, in a test that uses the database, services run under
    an English locale (the Spanish catalogue is checked by tests/core/test_i18n.py; a test in
    Spanish asks for it itself). A domain's conftest makes it autouse for its folder.
    """
    from flask import g
    from flask_babel import force_locale

    if "client" in request.fixturenames:
        request.getfixturevalue("client").environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if "db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("db")  # its app context is the one the services run in
    g.test_locale = "en"  # Flask-Babel ignores force_locale while `g` is still empty
    with force_locale("en"):
        yield


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
