"""Login, logout, two-factor, password change, and the admin's user pages."""

from __future__ import annotations

from urllib.parse import urlsplit

import segno
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from hotline.auth import services
from hotline.auth.access import login_required, public, role_required
from hotline.auth.forms import (
    ConfirmForm,
    LoginForm,
    PasswordChangeForm,
    TotpEnableForm,
    TotpForm,
    UserForm,
    UserRoleForm,
)
from hotline.auth.models import Role, User
from hotline.database import utcnow
from hotline.errors import HotlineError
from hotline.extensions import db, limiter
from hotline.partners.models import Partner

bp = Blueprint("auth", __name__)

SESSION_KEY = "sid"
PENDING_KEY = "pending_2fa"
PENDING_MAX_AGE = 300  # seconds between the password and the second factor


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


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _finish_login(user: User, next_url: str | None, message: str | None = None):  # type: ignore[no-untyped-def]
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
    return redirect(safe_next(next_url))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_rate_limit, methods=["POST"])
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
            return _finish_login(result.user, request.args.get("next"))
    form.password.data = ""
    return render_template("auth/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(_login_rate_limit, methods=["POST"])
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
        if services.verify_totp(user, form.code.data):
            return _finish_login(user, pending.get("next"))
        db.session.commit()
        flash(_("The code is not correct or was already used. Wait for the next code."), "error")
    return render_template("auth/totp.html", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout():  # type: ignore[no-untyped-def]
    services.end_session(session.get(SESSION_KEY))
    db.session.commit()
    end_browser_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():  # type: ignore[no-untyped-def]
    form = PasswordChangeForm()
    form.user_email = current_user.email  # type: ignore[attr-defined]
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, current=form.current_password.data, new=form.new_password.data)
        except HotlineError as exc:
            db.session.commit()  # nothing changed but the audit row of the failed attempt
            form.current_password.errors = [str(exc)]
        else:
            # The change ended every session of the user; this browser gets a fresh one.
            return _finish_login(user, url_for("core.home"), _("Your password has been changed."))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():  # type: ignore[no-untyped-def]
    user: User = current_user._get_current_object()
    form = TotpEnableForm()
    secret = session.get("totp_setup") or services.new_totp_secret()
    session["totp_setup"] = secret
    if not user.has_totp and form.validate_on_submit():
        if services.enable_totp(user, secret, form.code.data):
            db.session.commit()
            session.pop("totp_setup", None)
            flash(_("Two-step verification is on."), "success")
            return redirect(url_for("auth.account"))
        flash(_("The code is not correct. Check the time on your phone and try again."), "error")
    qr = None
    if not user.has_totp:
        qr = segno.make(services.totp_uri(user, secret), error="m").svg_data_uri(scale=4)
    return render_template("auth/account.html", form=form, secret=secret, qr=qr, disable_form=ConfirmForm())


@bp.route("/account/2fa/disable", methods=["POST"])
@login_required
def disable_totp():  # type: ignore[no-untyped-def]
    if ConfirmForm().validate_on_submit():
        services.disable_totp(current_user._get_current_object(), actor=current_user)
        db.session.commit()
        flash(_("Two-step verification is off."), "info")
    return redirect(url_for("auth.account"))


# --- admin: users ---------------------------------------------------------------------------


def _partner_choices() -> list[SelectChoice]:
    from hotline.i18n import current_language

    lang = current_language()
    partners = db.session.scalars(select(Partner).where(Partner.is_active).order_by(Partner.code))
    return [SelectChoice("", "—")] + [SelectChoice(p.code, f"{p.code} · {p.name(lang)}") for p in partners]


@bp.route("/admin/users")
@role_required(Role.ADMIN)
def users():  # type: ignore[no-untyped-def]
    page = request.args.get("page", 1, type=int)
    return render_template("auth/users.html", pagination=services.list_users(max(page, 1)))


@bp.route("/admin/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_new():  # type: ignore[no-untyped-def]
    form = UserForm()
    form.partner.choices = _partner_choices()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                email=form.email.data,
                role=Role(form.role.data),
                password=form.password.data,
                name=form.name.data,
                partner_code=form.partner.data or None,
                must_change_password=True,
                actor=current_user,
            )
        except HotlineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("User %(email)s created.", email=user.email), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id))
    return render_template("auth/user_new.html", form=form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_edit(user_id: int):  # type: ignore[no-untyped-def]
    user = db.get_or_404(User, user_id)
    form = UserRoleForm(obj=None if request.method == "POST" else user)
    form.partner.choices = _partner_choices()
    if request.method == "GET":
        form.role.data = user.role
        form.partner.data = user.partner.code if user.partner else ""
    if form.validate_on_submit():
        try:
            services.change_role(
                user, role=Role(form.role.data), partner_code=form.partner.data or None, actor=current_user
            )
        except HotlineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Role saved. The user's open sessions were ended."), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id))
    return render_template(
        "auth/user_edit.html",
        user=user,
        form=form,
        action_form=ConfirmForm(),
        live_sessions=services.count_live_sessions(user),
    )


@bp.route("/admin/users/<int:user_id>/<any(activate, deactivate):action>", methods=["POST"])
@role_required(Role.ADMIN)
def user_set_active(user_id: int, action: str):  # type: ignore[no-untyped-def]
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.set_active(user, active=action == "activate", actor=current_user)
        except HotlineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(
                _("Account activated.")
                if user.is_active
                else _("Account deactivated. Its sessions were ended."),
                "success",
            )
    return redirect(url_for("auth.user_edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/reset-password", methods=["POST"])
@role_required(Role.ADMIN)
def user_reset_password(user_id: int):  # type: ignore[no-untyped-def]
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("auth.user_edit", user_id=user.id))
    temporary = services.reset_password(user, actor=current_user)
    db.session.commit()
    return render_template("auth/user_reset_done.html", user=user, temporary=temporary)
