"""The hotline application: `create_app(config=None)` builds a configured Flask app."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, g, redirect, request, session, url_for
from flask_login import current_user
from flask_talisman import Talisman
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from hotline.extensions import babel, csrf, db, limiter, login_manager, migrate

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}

# Endpoints a user who must change their password may still reach.
_PASSWORD_CHANGE_ENDPOINTS = {
    "auth.change_password",
    "auth.logout",
    "static",
    "core.healthz",
    "core.language",
}


def create_app(config: Any = None) -> Flask:
    """Build the app. `config` is a Config class, an environment name, or a dict of overrides."""
    from config import CONFIGS

    app = Flask(__name__, template_folder="../templates", instance_relative_config=False)
    base = CONFIGS[os.environ.get("HOTLINE_ENV", "development")]
    if isinstance(config, str):
        base = CONFIGS[config]
    elif isinstance(config, type):
        base = config
    app.config.from_object(base)
    if isinstance(config, dict):
        app.config.update(config)
    _check_config(app, base)

    if app.config.get("PROXY_COUNT"):
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]

    app.url_map.converters["int"] = DatabaseIntConverter  # before any route is added
    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_signals(app)
    register_senders(app)
    register_request_hooks(app)
    register_template_helpers(app)
    from hotline.errors import register_error_handlers

    register_error_handlers(app)
    from hotline.cli import register_commands

    register_commands(app)
    if app.config.get("BENCH_BASELINE"):  # only the bench runner sets it (see hotline/benchmark.py)
        from hotline.benchmark import register as register_bench

        register_bench(app)
    return app


def _check_config(app: Flask, base: type) -> None:
    from hotline import crypto

    check = getattr(base, "check", None)
    if check is not None:
        check(app.config)
    crypto.check_key(app.config.get("HOTLINE_DATA_KEY"))
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////:memory"):
        os.makedirs(os.path.dirname(uri.removeprefix("sqlite:///")) or ".", exist_ok=True)


def register_extensions(app: Flask) -> None:
    import hotline.models  # noqa: F401  (every model, for Alembic)
    from hotline.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = None  # our own server-side sessions decide

    from hotline.auth.views import load_user

    login_manager.user_loader(load_user)


def register_security(app: Flask) -> None:
    Talisman(
        app,
        content_security_policy=CSP,
        force_https=app.config["HSTS"],
        strict_transport_security=app.config["HSTS"],
        strict_transport_security_max_age=31536000,
        strict_transport_security_include_subdomains=True,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )

    @app.after_request
    def no_store(response):  # type: ignore[no-untyped-def]
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Server", None)
        return response


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` path parts that fit a database id (a BIGINT): a larger number is a plain 404."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def register_signals(app: Flask) -> None:
    """Connect the higher floors to the signals of the lower ones (a lower floor never imports upward).

    Signals are process-wide and blinker keeps one connection per receiver, so building many apps
    (tests) connects each receiver once. Receivers are module functions: a weak reference is enough.
    """
    from hotline.cases import signals as case_signals
    from hotline.referrals import services as referrals

    case_signals.case_closing.connect(referrals.check_case_closable)
    from hotline.api import services as api_services
    from hotline.referrals import signals as referral_signals

    referral_signals.partner_event.connect(api_services.queue_referral_event)


def register_senders(app: Flask) -> None:
    """Plug the SMS and e-mail senders into the notification outbox (which imports no domain)."""
    from hotline.notifications.models import OutboxChannel
    from hotline.notifications.senders import smtp_sender
    from hotline.notifications.services import register_sender
    from hotline.telephony.sender import outbox_sms_sender

    register_sender(app, OutboxChannel.SMS, outbox_sms_sender)
    register_sender(app, OutboxChannel.EMAIL, smtp_sender)
    from hotline.api.services import webhook_sender

    register_sender(app, OutboxChannel.WEBHOOK, webhook_sender)


def register_blueprints(app: Flask) -> None:
    from hotline.audit.views import bp as audit_bp
    from hotline.auth.views import bp as auth_bp
    from hotline.awareness.views import bp as awareness_bp
    from hotline.calls.views import bp as calls_bp
    from hotline.cases.views import bp as cases_bp
    from hotline.core import bp as core_bp
    from hotline.telephony.views import bp as telephony_bp
    from hotline.telephony.views import staff_bp as telephony_staff_bp

    for bp in (core_bp, auth_bp, audit_bp, awareness_bp, telephony_bp, telephony_staff_bp):
        app.register_blueprint(bp)
    for bp in (calls_bp, cases_bp):
        app.register_blueprint(bp)
    from hotline.notifications.views import bp as notifications_bp
    from hotline.partners.views import bp as partners_bp

    for bp in (partners_bp, notifications_bp):
        app.register_blueprint(bp)
    from hotline.referrals.views import bp as referrals_bp
    from hotline.referrals.views import portal_bp

    for bp in (referrals_bp, portal_bp):
        app.register_blueprint(bp)
    from hotline.reports.views import bp as reports_bp

    app.register_blueprint(reports_bp)
    from hotline.subjects.views import bp as subjects_bp

    app.register_blueprint(subjects_bp)
    from hotline.api.wiring import init_api

    init_api(app)


def register_request_hooks(app: Flask) -> None:
    from hotline.access import access_of
    from hotline.auth import services as auth_services
    from hotline.auth.views import SESSION_KEY, end_browser_session
    from hotline.i18n import requested_language

    @app.before_request
    def drop_nul_from_the_address() -> None:
        # No search or filter ever means a NUL character, and PostgreSQL cannot compare one: take it
        # out of the query string before any view reads it. (Forms refuse it field by field.)
        if b"%00" in request.query_string or b"\x00" in request.query_string:
            request.args = ImmutableMultiDict(
                (key.replace("\x00", ""), value.replace("\x00", ""))
                for key, value in request.args.items(multi=True)
            )

    @app.before_request
    def load_session() -> Any:
        g.client_ip = request.remote_addr
        token = session.get(SESSION_KEY)
        if token:
            g.user_session = auth_services.check_session(token)
            if g.user_session is None:
                end_browser_session()
            else:
                chosen = requested_language()
                if chosen and g.user_session.user.locale != chosen:
                    auth_services.set_locale(g.user_session.user, chosen)
            db.session.commit()  # records a revoked or touched session, or the language, at once

    @app.before_request
    def enforce_access() -> Any:
        view = app.view_functions.get(request.endpoint or "")
        if view is None:
            return None  # 404/405 follow
        if request.endpoint != "static" and access_of(view) is None:
            from flask import abort

            abort(403)
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in _PASSWORD_CHANGE_ENDPOINTS
        ):
            return redirect(url_for("auth.change_password"))
        return None


def register_template_helpers(app: Flask) -> None:
    from hotline.auth.forms import ROLE_LABELS
    from hotline.auth.models import Role
    from hotline.i18n import current_language, remember_language
    from hotline.navigation import nav_items

    def lang_url(code: str) -> str:
        args = dict(request.view_args or {})
        args.update({k: v for k, v in request.args.items() if k != "lang"})
        args["lang"] = code
        try:
            return url_for(request.endpoint or "awareness.home", **args)
        except Exception:  # noqa: BLE001  (an error page has no endpoint to rebuild)
            return url_for("awareness.home", lang=code)

    def field_attrs(described: str, errors: list) -> dict[str, str]:
        attrs = {"aria-describedby": described} if described else {}
        if errors:
            attrs["aria-invalid"] = "true"
        return attrs

    def role_label(role: str) -> object:
        return ROLE_LABELS.get(Role(role), role)

    app.jinja_env.globals.update(
        current_lang=current_language,
        lang_url=lang_url,
        nav_items=nav_items,
        role_label=role_label,
        field_attrs=field_attrs,
    )
    app.after_request(remember_language)
