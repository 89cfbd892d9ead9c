"""Signing in (password, then the second step), signing out, and the one-time set-password link."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline import crypto
from hotline.access import public
from hotline.auth import services
from hotline.auth.forms import LoginForm, SetPasswordForm, TotpForm
from hotline.auth.models import User
from hotline.auth.views.common import (
    LINK_KEY,
    PENDING_KEY,
    PENDING_MAX_AGE,
    SESSION_KEY,
    end_browser_session,
    finish_login,
    login_rate_limit,
    safe_next,
)
from hotline.database import utcnow
from hotline.errors import HotlineError
from hotline.extensions import db, limiter


@public
@limiter.limit(login_rate_limit, methods=["POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            result = services.authenticate(form.email.data, form.password.data)
        except services.AuthError:
            db.session.commit()  # the failure, lockout and audit rows are kept
            flash(_("The e-mail or password is not correct, or the account is locked."), "error")
        else:
            if result.needs_totp:
                db.session.commit()
                next_url = request.args.get("next")
                session.clear()
                session[PENDING_KEY] = {
                    "user_id": result.user.id,
                    "at": utcnow().timestamp(),
                    "next": next_url,
                }
                return redirect(url_for("auth.login_totp"))
            return finish_login(result.user, request.args.get("next"))
    form.password.data = ""
    return render_template("auth/login.html", form=form)


@public
@limiter.limit(login_rate_limit, methods=["POST"])
def login_totp():  # type: ignore[no-untyped-def]
    pending = session.get(PENDING_KEY)
    if not pending or utcnow().timestamp() - pending["at"] > PENDING_MAX_AGE:
        session.pop(PENDING_KEY, None)
        return redirect(url_for("auth.login"))
    user = db.session.get(User, pending["user_id"])
    if user is None or not user.is_active:
        session.clear()
        return redirect(url_for("auth.login"))
    form = TotpForm()
    if form.validate_on_submit():
        try:
            used = services.check_second_step(user, form.code.data)
        except services.AuthError:
            db.session.commit()  # the failure counts towards the lockout
            if services.is_locked(user, utcnow()):
                session.pop(PENDING_KEY, None)  # start again from the password (refused while locked)
                flash(_("The e-mail or password is not correct, or the account is locked."), "error")
                return redirect(url_for("auth.login"))
            flash(_("The code is not correct or was already used. Wait for the next code."), "error")
        else:
            message = None
            if used is services.SecondStep.RECOVERY:
                message = _(
                    "You signed in with a recovery code, which cannot be used again. "
                    "Recovery codes left: %(n)d.",
                    n=services.count_recovery_codes(user),
                )
            return finish_login(user, pending.get("next"), message)
    return render_template("auth/totp.html", form=form)


@public
def logout():  # type: ignore[no-untyped-def]
    services.end_session(session.get(SESSION_KEY))
    db.session.commit()
    end_browser_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


def _link_token() -> str | None:
    stored = session.get(LINK_KEY)
    if not isinstance(stored, str):
        return None
    try:
        return crypto.decrypt(stored)
    except (crypto.MissingDataKey, ValueError):
        return None


@public
@limiter.limit(login_rate_limit, methods=["POST"])
def set_password():  # type: ignore[no-untyped-def]
    """The page of the e-mailed link: the token moves into the session, out of the address bar."""
    token = request.args.get("token")
    if token is not None:
        session[LINK_KEY] = crypto.encrypt(token[:100])
        return redirect(url_for("auth.set_password"))
    token = _link_token()
    link = services.get_password_link(token)
    if link is None:
        session.pop(LINK_KEY, None)
        return render_template("auth/set_password_invalid.html"), 410
    form = SetPasswordForm()
    form.user_email = link.user.email  # type: ignore[attr-defined]
    form.user_name = link.user.name  # type: ignore[attr-defined]
    if form.validate_on_submit():
        try:
            services.set_password_with_link(token, form.new_password.data)
        except HotlineError as exc:
            db.session.rollback()
            form.new_password.errors = [str(exc)]
        else:
            db.session.commit()
            end_browser_session()
            flash(_("Your password is set. Sign in with it now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, email=link.user.email)
