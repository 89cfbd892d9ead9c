"""Admin pages of the partner API (`/admin/api`): keys (ask, approve, rotate, revoke) and webhooks.

A key asked for here works once a second admin approves it, as a new partner account does (the
four-eyes rule of /admin/approvals): it opens the organisation's case facts. Rotating an approved
key grants nothing more and applies at once; revoking applies at once. A token or a webhook secret
is shown once, on the answer to the POST that made it (never stored, never in a URL).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from hotline.access import Role, role_required
from hotline.api import services
from hotline.api.forms import EVENT_LABELS, SCOPE_LABELS, ApiKeyForm, ButtonForm, WebhookForm
from hotline.changes import apply_change
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.i18n import current_language
from hotline.partners import services as partners

admin_bp = Blueprint("api_admin", __name__, url_prefix="/admin/api")
ADMIN = Role.ADMIN
STATE_LABELS = {
    "active": lambda: _("Active"),
    "pending": lambda: _("Waiting for a second admin"),
    "expired": lambda: _("Expired"),
    "revoked": lambda: _("Revoked"),
}


def _with_partners(form: Any) -> Any:
    lang = current_language()
    form.partner.choices = [SelectChoice("", "—")] + [
        SelectChoice(p.code, f"{p.code} · {p.name(lang)}") for p in partners.list_partners(active_only=True)
    ]
    return form


def _page(
    *, key_form: Any = None, hook_form: Any = None, shown: dict[str, Any] | None = None, status: int = 200
):  # type: ignore[no-untyped-def]
    keys = services.list_keys()
    return (
        render_template(
            "api/admin.html",
            keys=keys,
            states={k.id: services.key_state(k) for k in keys},
            state_labels={name: label() for name, label in STATE_LABELS.items()},
            webhooks=services.list_webhooks(),
            key_form=key_form or _with_partners(ApiKeyForm(formdata=None)),
            hook_form=hook_form or _with_partners(WebhookForm(formdata=None)),
            button=ButtonForm(),
            scope_labels=SCOPE_LABELS,
            event_labels=EVENT_LABELS,
            shown=shown,
        ),
        status,
    )


@admin_bp.route("/")
@role_required(ADMIN)
def index():  # type: ignore[no-untyped-def]
    return _page()


@admin_bp.route("/keys", methods=["POST"])
@role_required(ADMIN)
def create_key():  # type: ignore[no-untyped-def]
    form = _with_partners(ApiKeyForm())
    if not form.validate():
        return _page(key_form=form, status=422)
    partner = partners.get_partner_by_code(form.partner.data)
    if partner is None:
        abort(404)
    try:
        key, token = services.issue_key(
            partner,
            scopes=form.scopes.data,
            actor=current_user,
            expires_days=form.expires_days.data,
            name=form.name.data or "",
            needs_approval=True,
        )
    except HotlineError as exc:
        db.session.rollback()
        form.scopes.errors = [str(exc)]
        return _page(key_form=form, status=422)
    db.session.commit()
    return _page(shown={"kind": "key", "id": key.id, "value": token, "pending": True})


def _key_or_404(key_id: int) -> Any:
    key = services.get_key(key_id)
    if key is None:
        abort(404)
    return key


def _button(action: Any, success: str, key_id: int):  # type: ignore[no-untyped-def]
    """Approve or revoke one key (a button's POST), as every admin change runs: `apply_change`."""
    if not ButtonForm().validate():
        flash(_("The form expired. Please send it again."), "error")
        return redirect(url_for("api_admin.index"))
    key = _key_or_404(key_id)
    next_url = url_for("api_admin.index")
    return apply_change(lambda: action(key), success=success, next_url=next_url) or redirect(next_url)


@admin_bp.route("/keys/<int:key_id>/approve", methods=["POST"])
@role_required(ADMIN)
def approve_key(key_id: int):  # type: ignore[no-untyped-def]
    return _button(lambda k: services.approve_key(k, actor=current_user), _("The key is approved."), key_id)


@admin_bp.route("/keys/<int:key_id>/revoke", methods=["POST"])
@role_required(ADMIN)
def revoke_key(key_id: int):  # type: ignore[no-untyped-def]
    return _button(lambda k: services.revoke_key(k, actor=current_user), _("The key is revoked."), key_id)


@admin_bp.route("/keys/<int:key_id>/rotate", methods=["POST"])
@role_required(ADMIN)
def rotate_key(key_id: int):  # type: ignore[no-untyped-def]
    """Rotation shows the new token once, on the page itself (never in a flash or a URL)."""
    if not ButtonForm().validate():
        flash(_("The form expired. Please send it again."), "error")
        return redirect(url_for("api_admin.index"))
    key = _key_or_404(key_id)
    try:
        new, token = services.rotate_key(key, actor=current_user)
    except HotlineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("api_admin.index"))
    db.session.commit()
    return _page(shown={"kind": "key", "id": new.id, "value": token, "pending": False})


@admin_bp.route("/webhooks", methods=["POST"])
@role_required(ADMIN)
def create_webhook():  # type: ignore[no-untyped-def]
    form = _with_partners(WebhookForm())
    if not form.validate():
        return _page(hook_form=form, status=422)
    partner = partners.get_partner_by_code(form.partner.data)
    if partner is None:
        abort(404)
    try:
        endpoint, secret = services.register_webhook(
            partner, url=form.url.data, events=form.events.data or None, actor=current_user
        )
    except HotlineError as exc:
        db.session.rollback()
        form.url.errors = [str(exc)]
        return _page(hook_form=form, status=422)
    db.session.commit()
    return _page(shown={"kind": "webhook", "id": endpoint.id, "value": secret})


@admin_bp.route("/webhooks/<int:webhook_id>/disable", methods=["POST"])
@role_required(ADMIN)
def disable_webhook(webhook_id: int):  # type: ignore[no-untyped-def]
    if not ButtonForm().validate():
        flash(_("The form expired. Please send it again."), "error")
        return redirect(url_for("api_admin.index"))
    endpoint = services.get_webhook(webhook_id)
    if endpoint is None:
        abort(404)
    services.disable_webhook(endpoint, actor=current_user)
    db.session.commit()
    flash(_("The webhook is removed."), "success")
    return redirect(url_for("api_admin.index"))
