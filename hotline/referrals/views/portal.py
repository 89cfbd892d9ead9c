"""The partner portal: a list, a detail, three buttons (acknowledge, accept, decline), updates,
the outcome and the partner's own case numbers. Partner users only, their own organisation only.

Another organisation's referral, a revoked one and a missing id all answer the same 404, and the
attempt is audited (`referral.access_denied`)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline.auth.access import role_required
from hotline.auth.models import Role
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.referrals import services
from hotline.referrals.forms import CaseNumberForm
from hotline.referrals.models import Referral, ReferralStatus
from hotline.referrals.views import portal_bp as bp
from hotline.referrals.views.common import conflict, form_names, template_labels
from hotline.referrals.views.staff import ANSWER_FORMS, apply_answer

PARTNER = Role.PARTNER


@bp.context_processor
def labels() -> dict[str, Any]:
    return template_labels()


def _organisation_or_403() -> Any:
    """A partner user whose organisation is missing or deactivated gets a clear page, nothing else."""
    partner = current_user.partner
    if partner is None or not partner.is_active:
        abort(make_response(render_template("portal/inactive.html"), 403))
    return partner


def _referral_or_404(referral_id: int, *, detail: bool = False) -> Referral:
    referral = services.get_partner_referral(referral_id, current_user, detail=detail)
    if referral is None:
        db.session.commit()  # keeps the access_denied audit row
        abort(404)
    return referral


@bp.route("/")
@role_required(PARTNER)
def home():  # type: ignore[no-untyped-def]
    return redirect(url_for("portal.index"))


@bp.route("/referrals/")
@role_required(PARTNER)
def index():  # type: ignore[no-untyped-def]
    partner = _organisation_or_403()
    status = request.args.get("status") or None
    if status not in {s.value for s in services.PARTNER_VISIBLE}:
        status = None
    page = request.args.get("page", "1")
    pagination = services.list_partner_referrals(
        current_user, status=status, page=int(page) if page.isdigit() else 1
    )
    return render_template(
        "portal/index.html",
        partner=partner,
        pagination=pagination,
        status=status,
        counts=services.partner_counts(current_user),
        statuses=services.PARTNER_VISIBLE,
    )


@bp.route("/referrals/<int:referral_id>")
@role_required(PARTNER)
def detail(referral_id: int):  # type: ignore[no-untyped-def]
    return _render_detail(referral_id)


def _render_detail(referral_id: int, *, forms: dict[str, Any] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    partner = _organisation_or_403()
    referral = _referral_or_404(referral_id, detail=True)
    services.record_referral_view(referral, current_user, summary="partner portal")
    db.session.commit()
    version = str(referral.version_id)
    all_forms: dict[str, Any] = {
        name: cls(formdata=None, version=version) for name, cls in ANSWER_FORMS.items()
    }
    all_forms["number"] = CaseNumberForm(formdata=None)
    all_forms.update(forms or {})
    return (
        render_template(
            "portal/detail.html",
            partner=partner,
            referral=referral,
            shared=services.read_snapshot(referral.shared_data),
            forms_names=form_names(),
            events=services.partner_timeline(referral),
            forms=all_forms,
            can_answer=referral.status not in (ReferralStatus.CLOSED, ReferralStatus.REVOKED),
        ),
        status,
    )


@bp.route("/referrals/<int:referral_id>/<action>", methods=["POST"])
@role_required(PARTNER)
def answer(referral_id: int, action: str):  # type: ignore[no-untyped-def]
    _organisation_or_403()
    referral = _referral_or_404(referral_id)
    if action not in ANSWER_FORMS:
        abort(404)
    form = ANSWER_FORMS[action]()
    if not form.validate():
        db.session.rollback()
        return _render_detail(referral_id, forms={action: form}, status=422)
    try:
        apply_answer(referral, action, form, on_behalf=False)
    except services.VersionConflict:
        return conflict(referral_id, url_for("portal.detail", referral_id=referral_id))
    except HotlineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("portal.detail", referral_id=referral_id))
    db.session.commit()
    flash(
        {
            "acknowledge": _("Thank you: the referral is acknowledged."),
            "accept": _("The referral is accepted."),
            "decline": _("The referral is declined. The hotline has been told why."),
            "update": _("Your update was posted."),
            "outcome": _("The outcome was recorded and the referral is closed."),
        }[action],
        "success",
    )
    return redirect(url_for("portal.detail", referral_id=referral_id))


@bp.route("/referrals/<int:referral_id>/numbers", methods=["POST"])
@role_required(PARTNER)
def add_number(referral_id: int):  # type: ignore[no-untyped-def]
    _organisation_or_403()
    referral = _referral_or_404(referral_id)
    form = CaseNumberForm()
    if not form.validate():
        db.session.rollback()
        return _render_detail(referral_id, forms={"number": form}, status=422)
    try:
        services.add_case_number(referral, kind=form.kind.data, number=form.number.data, actor=current_user)
    except HotlineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Number recorded."), "success")
    return redirect(url_for("portal.detail", referral_id=referral_id, _anchor="numbers"))
