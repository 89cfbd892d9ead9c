"""The user's own account: password, and two-step verification (set up, move, recovery codes, off)."""

from __future__ import annotations

import segno
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline import crypto
from hotline.access import login_required
from hotline.auth import services
from hotline.auth.forms import PasswordChangeForm, TwoStepConfirmForm, TwoStepRenewForm, TwoStepSetupForm
from hotline.auth.models import User
from hotline.auth.views.common import SETUP_KEY, finish_login, safe_next
from hotline.errors import HotlineError
from hotline.extensions import db


@login_required
def change_password():  # type: ignore[no-untyped-def]
    form = PasswordChangeForm()
    form.user_email = current_user.email  # type: ignore[attr-defined]
    form.user_name = current_user.name  # type: ignore[attr-defined]
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, current=form.current_password.data, new=form.new_password.data)
        except HotlineError as exc:
            db.session.commit()  # nothing changed but the audit row of the failed attempt
            form.current_password.errors = [str(exc)]
        else:
            # The change ended every session of the user; this browser gets a fresh one.
            return finish_login(user, url_for("core.home"), _("Your password has been changed."))
    return render_template("auth/change_password.html", form=form)


@login_required
def account():  # type: ignore[no-untyped-def]
    user: User = current_user._get_current_object()
    return render_template(
        "auth/account.html",
        recovery_left=services.count_recovery_codes(user) if user.has_totp else 0,
        off_form=TwoStepConfirmForm(prefix="off"),
        codes_form=TwoStepConfirmForm(prefix="codes"),
    )


def _setup_secret() -> str:
    """The secret of the authenticator being set up, kept (encrypted) in the session until it works."""
    stored = session.get(SETUP_KEY)
    if isinstance(stored, str):
        try:
            return crypto.decrypt(stored)
        except (crypto.MissingDataKey, ValueError):
            pass
    secret = services.new_totp_secret()
    session[SETUP_KEY] = crypto.encrypt(secret)
    return secret


@login_required
def two_step_setup():  # type: ignore[no-untyped-def]
    """Set up two-step verification, or move it to a new phone (password and a current code first)."""
    user: User = current_user._get_current_object()
    renew = user.has_totp
    form = TwoStepRenewForm() if renew else TwoStepSetupForm()
    secret = _setup_secret()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        try:
            if renew:
                codes = services.renew_two_step(
                    user,
                    password=form.password.data,
                    code=form.current_code.data,
                    secret=secret,
                    new_code=form.code.data,
                )
            else:
                codes = services.enable_two_step(user, secret, form.code.data)
        except HotlineError as exc:
            db.session.commit()  # nothing changed but the failed attempt (audited, counted)
            flash(str(exc), "error")
        else:
            db.session.commit()
            session.pop(SETUP_KEY, None)
            # Shown once, in the answer to this POST: only their hashes are stored.
            return render_template("auth/recovery_codes.html", codes=codes, next_url=safe_next(next_url))
    qr = segno.make(services.totp_uri(user, secret), error="m").svg_data_uri(scale=4)
    return render_template("auth/two_step_setup.html", form=form, secret=secret, qr=qr, renew=renew)


@login_required
def disable_totp():  # type: ignore[no-untyped-def]
    form = TwoStepConfirmForm(prefix="off")
    if form.validate_on_submit():
        try:
            services.disable_two_step(
                current_user._get_current_object(), password=form.password.data, code=form.current_code.data
            )
        except HotlineError as exc:
            db.session.commit()  # the failed attempt is audited and counted
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Two-step verification is off."), "info")
    else:
        flash(_("Enter your password and a current code."), "error")
    return redirect(url_for("auth.account"))


@login_required
def recovery_codes():  # type: ignore[no-untyped-def]
    form = TwoStepConfirmForm(prefix="codes")
    if form.validate_on_submit():
        try:
            codes = services.regenerate_recovery_codes(
                current_user._get_current_object(), password=form.password.data, code=form.current_code.data
            )
        except HotlineError as exc:
            db.session.commit()
            flash(str(exc), "error")
        else:
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.account"))
    else:
        flash(_("Enter your password and a current code."), "error")
    return redirect(url_for("auth.account"))
