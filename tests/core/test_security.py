"""Headers, error pages, health check and production settings (security plan items 15, 21, 35-36)."""

from __future__ import annotations

import secrets

import pytest
from cryptography.fernet import Fernet
from flask import Flask

import config as config_module
from config import DevelopmentConfig, ProductionConfig, TestConfig
from hotline import create_app
from hotline.access import public


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Server" not in response.headers


def test_no_third_party_urls_in_the_layout(client, login):
    login("admin")
    html = client.get("/admin/users").get_data(as_text=True)
    for marker in ('src="http', "src='http", 'href="http', "//cdn", "googleapis", "gstatic"):
        assert marker not in html


# Made at run time, so that they are written nowhere in the repository.
PROD_SECRET = secrets.token_urlsafe(48)
PROD_DATA_KEY = Fernet.generate_key().decode()


def _production_app(**overrides: object) -> Flask:
    attrs = {
        "SECRET_KEY": PROD_SECRET,
        "HOTLINE_DATA_KEY": PROD_DATA_KEY,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        **overrides,
    }
    return create_app(type("Prod", (ProductionConfig,), attrs))


def test_production_refuses_memory_rate_limit_store():
    with pytest.raises(RuntimeError, match="rate-limit"):
        _production_app(RATELIMIT_STORAGE_URI="memory://")


@pytest.mark.parametrize("missing", ["SECRET_KEY", "HOTLINE_DATA_KEY"])
def test_production_refuses_missing_secrets(missing):
    with pytest.raises(RuntimeError):
        _production_app(**{missing: None})


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("SECRET_KEY", "abc"),
        ("SECRET_KEY", "a" * 64),
        ("SECRET_KEY", "correct-horse-battery"),
        ("SECRET_KEY", DevelopmentConfig.SECRET_KEY),
        ("SECRET_KEY", TestConfig.SECRET_KEY),
        ("HOTLINE_DATA_KEY", DevelopmentConfig.HOTLINE_DATA_KEY),
        ("HOTLINE_DATA_KEY", "{fresh},{test}"),  # a published key after a fresh one (rotation)
        ("HOTLINE_INDEX_KEY", TestConfig.HOTLINE_DATA_KEY),
    ],
)
def test_production_refuses_weak_or_published_secrets(setting, value):
    value = value.format(fresh=PROD_DATA_KEY, test=TestConfig.HOTLINE_DATA_KEY)
    with pytest.raises(RuntimeError, match=setting) as caught:
        _production_app(**{setting: value})
    assert value not in str(caught.value)  # the message names the setting, never the value


def test_a_secret_written_anywhere_in_the_repository_is_refused():
    written = "Zq8" + "vN3-xP7_kL2mR9tY4wB6cD1eF5gH0jS8uA3iO7" + "zQ2"  # split: the full string is in no file
    assert not config_module.secret_problems({"SECRET_KEY": written})
    published = "hotline-doc-example-" + "secret-9f8e7d6c5b4a3928171605f4e3d2c1b0a"
    # This exact line in the file makes it published:
    # hotline-doc-example-secret-9f8e7d6c5b4a3928171605f4e3d2c1b0a
    assert any("published" in p for p in config_module.secret_problems({"SECRET_KEY": published}))


def test_strong_generated_secrets_start():
    assert _production_app().config["SECRET_KEY"] == PROD_SECRET


def test_malformed_data_key_blocks_startup():
    with pytest.raises(ValueError):
        create_app(type("Bad", (TestConfig,), {"HOTLINE_DATA_KEY": "not-a-key"}))


def test_production_cookie_flags_and_hsts():
    app = _production_app()
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    client = app.test_client()
    response = client.get("/login", base_url="https://hotline.example.pe")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    # Plain HTTP is redirected to HTTPS.
    assert client.get("/login", base_url="http://hotline.example.pe").status_code in (301, 302)
    assert not app.debug


def test_session_cookie_flags(client, login):
    login()
    cookie = client.get_cookie("hotline_session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_503_when_the_database_is_unreachable(tmp_path):
    bad = create_app(
        type(
            "Broken",
            (TestConfig,),
            {
                "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
            },
        )
    )
    response = bad.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_unhandled_error_gives_a_generic_500_with_an_id(app_factory_with_boom, caplog):
    client = app_factory_with_boom.test_client()
    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Traceback" not in html and "RuntimeError" not in html and "secret detail" not in html
    assert "Referencia del error" in html
    response = client.get("/boom", headers={"Accept": "application/json"})
    assert set(response.json) == {"error", "status", "error_id"}


@pytest.fixture
def app_factory_with_boom():
    app = create_app(type("Boom", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))

    @app.route("/boom")
    @public
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("secret detail")

    return app


def test_oversized_body_is_413(client):
    response = client.post("/login", data={"email": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413


def test_unknown_page_is_404(client):
    assert client.get("/no/such/page").status_code == 404


def test_referral_deadlines_come_from_the_environment(monkeypatch):
    from config import _env_hours

    monkeypatch.setenv("REFERRAL_ACK_HOURS", "urgent=1,normal=48")
    assert _env_hours("REFERRAL_ACK_HOURS", {"urgent": 2, "high": 24, "normal": 72}) == {
        "urgent": 1,
        "high": 24,
        "normal": 48,
    }
    monkeypatch.setenv("REFERRAL_ACK_HOURS", "urgent=soon")
    with pytest.raises(RuntimeError):
        _env_hours("REFERRAL_ACK_HOURS", {"urgent": 2})
