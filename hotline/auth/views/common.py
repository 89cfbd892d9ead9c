"""What the auth views share: the session keys, the user loader, safe redirects, finishing a login."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import login_user, logout_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from hotline.auth import services
from hotline.auth.models import User
from hotline.extensions import db
from hotline.partners.models import Partner

SESSION_KEY = "sid"
PENDING_KEY = "pending_2fa"
PENDING_MAX_AGE = 300  # seconds between the password and the second factor
SETUP_KEY = "totp_setup"  # the new authenticator's secret (encrypted) until its first code
LINK_KEY = "password_link"  # the one-time link's token (encrypted), out of the address bar


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: only the user of the live server-side session counts."""
    row = g.get("user_session")
    if row is None or str(row.user_id) != user_id:
        return None
    return row.user


def end_browser_session() -> None:
    logout_user()
    session.clear()


def safe_next(target: str | None) -> str:
    """An internal path to go to after login; anything pointing elsewhere becomes the home page."""
    default = url_for("core.home")
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def finish_login(user: User, next_url: str | None, message: str | None = None):  # type: ignore[no-untyped-def]
    """Both factors are proven: open a server-side session in a fresh browser session."""
    session.clear()  # a fresh session id (and CSRF token) at every login
    if message:
        flash(message, "success")
    token = services.start_session(user, ip=g.client_ip, user_agent=request.user_agent.string)
    db.session.commit()
    session[SESSION_KEY] = token
    session.permanent = True
    g.user_session = services.check_session(token)
    login_user(user)
    if user.must_change_password:
        return redirect(url_for("auth.change_password"))
    if services.must_enrol(user):
        return redirect(url_for("auth.two_step_setup", next=safe_next(next_url)))
    return redirect(safe_next(next_url))


def partner_choices() -> list[SelectChoice]:
    from hotline.i18n import current_language

    lang = current_language()
    partners = db.session.scalars(select(Partner).where(Partner.is_active).order_by(Partner.code))
    return [SelectChoice("", "—")] + [SelectChoice(p.code, f"{p.code} · {p.name(lang)}") for p in partners]
