"""The admin's user pages, and the requests waiting for a second administrator."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline.access import role_required
from hotline.auth import services
from hotline.auth.forms import ConfirmForm, RefuseRequestForm, UserForm, UserRoleForm
from hotline.auth.models import AccountRequest, Role, User
from hotline.auth.views.common import partner_choices
from hotline.changes import apply_change
from hotline.errors import HotlineError
from hotline.extensions import db


def _waiting() -> str:
    return _("Request recorded. It takes effect when another administrator approves it.")


@role_required(Role.ADMIN)
def users():  # type: ignore[no-untyped-def]
    page = request.args.get("page", 1, type=int)
    return render_template(
        "auth/users.html",
        pagination=services.list_users(max(page, 1)),
        pending=services.count_pending_requests(),
    )


@role_required(Role.ADMIN)
def user_new():  # type: ignore[no-untyped-def]
    form = UserForm()
    form.partner.choices = partner_choices()
    if form.validate_on_submit():
        try:
            services.request_new_account(
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                partner_code=form.partner.data or None,
                actor=current_user._get_current_object(),
            )
        except HotlineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_waiting(), "success")
            return redirect(url_for("auth.approvals"))
    return render_template("auth/user_new.html", form=form)


@role_required(Role.ADMIN)
def user_edit(user_id: int):  # type: ignore[no-untyped-def]
    user = db.get_or_404(User, user_id)
    form = UserRoleForm(obj=None if request.method == "POST" else user)
    form.partner.choices = partner_choices()
    if request.method == "GET":
        form.role.data = user.role
        form.partner.data = user.partner.code if user.partner else ""
    if form.validate_on_submit():
        try:
            pending = services.request_role_change(
                user,
                role=Role(form.role.data),
                partner_code=form.partner.data or None,
                actor=current_user._get_current_object(),
            )
        except HotlineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            if pending is None:
                flash(_("Role saved. The user's open sessions were ended."), "success")
            else:
                flash(_waiting(), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id))
    return render_template(
        "auth/user_edit.html",
        user=user,
        form=form,
        action_form=ConfirmForm(),
        live_sessions=services.count_live_sessions(user),
        recovery_left=services.count_recovery_codes(user) if user.has_totp else 0,
        pending=services.pending_requests_for(user),
    )


@role_required(Role.ADMIN)
def user_set_active(user_id: int, action: str):  # type: ignore[no-untyped-def]
    user = db.get_or_404(User, user_id)
    back = url_for("auth.user_edit", user_id=user.id)
    if ConfirmForm().validate_on_submit():
        activate = action == "activate"
        done = _("Account activated.") if activate else _("Account deactivated. Its sessions were ended.")
        return apply_change(
            lambda: services.set_active(user, active=activate, actor=current_user),
            success=done,
            next_url=back,
        ) or redirect(back)
    return redirect(back)


@role_required(Role.ADMIN)
def user_reset_password(user_id: int):  # type: ignore[no-untyped-def]
    user = db.get_or_404(User, user_id)
    back = url_for("auth.user_edit", user_id=user.id)
    if ConfirmForm().validate_on_submit():
        actor = current_user._get_current_object()
        return apply_change(
            lambda: services.request_password_reset(user, actor=actor), success=_waiting(), next_url=back
        ) or redirect(back)
    return redirect(back)


@role_required(Role.ADMIN)
def user_reset_two_step(user_id: int):  # type: ignore[no-untyped-def]
    user = db.get_or_404(User, user_id)
    back = url_for("auth.user_edit", user_id=user.id)
    if ConfirmForm().validate_on_submit():
        actor = current_user._get_current_object()
        done = _(
            "Two-step verification reset and the user's sessions ended. The user was told by "
            "e-mail and sets it up again at the next sign-in."
        )
        return apply_change(
            lambda: services.reset_two_step(user, actor=actor), success=done, next_url=back
        ) or redirect(back)
    return redirect(back)


@role_required(Role.ADMIN)
def approvals():  # type: ignore[no-untyped-def]
    return render_template(
        "auth/approvals.html",
        pending=services.list_pending_requests(),
        decided=services.list_decided_requests(),
        approve_form=ConfirmForm(),
        refuse_form=RefuseRequestForm(),
    )


@role_required(Role.ADMIN)
def approval_approve(request_id: int):  # type: ignore[no-untyped-def]
    account_request = db.get_or_404(AccountRequest, request_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.approve_request(account_request, actor=current_user._get_current_object())
        except HotlineError as exc:
            db.session.commit()  # nothing changed but the audit row of a refused approval
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Approved. The change has taken effect."), "success")
    return redirect(url_for("auth.approvals"))


@role_required(Role.ADMIN)
def approval_refuse(request_id: int):  # type: ignore[no-untyped-def]
    account_request = db.get_or_404(AccountRequest, request_id)
    form = RefuseRequestForm()
    back = url_for("auth.approvals")
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        done = _("Request refused. Nothing was changed.")
        return apply_change(
            lambda: services.refuse_request(account_request, actor=actor, reason=form.reason.data or ""),
            success=done,
            next_url=back,
            category="info",
        ) or redirect(back)
    return redirect(back)
