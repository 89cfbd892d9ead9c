"""The partner portal: a list, a detail, three buttons (acknowledge, accept, decline), updates,
the outcome and the partner's own case numbers. Partner users only, their own organisation only.

Another organisation's referral, a revoked one and a missing id all answer the same 404, and the
attempt is audited (`referral.access_denied`)."""

from __future__ import annotations

from typing import Any

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hotline.access import Role, role_required
from hotline.extensions import db
from hotline.pagination import page_number
from hotline.referrals import services
from hotline.referrals.forms import CaseNumberForm
from hotline.referrals.models import Referral
from hotline.referrals.views.common import (
    ANSWER_FORMS,
    apply_answer,
    blank_answer_forms,
    commit_change,
    form_names,
    incomplete,
)

PARTNER = Role.PARTNER
THANKS = {
    "acknowledge": _l("Thank you: the referral is acknowledged."),
    "accept": _l("The referral is accepted."),
    "decline": _l("The referral is declined. The hotline has been told why."),
    "update": _l("Your update was posted."),
    "outcome": _l("The outcome was recorded and the referral is closed."),
}


def _organisation_or_403() -> Any:
    """A partner user whose organisation is missing or deactivated gets a clear page, nothing else."""
    partner = services.active_organisation(current_user)
    if partner is None:
        abort(make_response(render_template("portal/inactive.html"), 403))
    return partner


def _referral_or_404(referral_id: int, *, detail: bool = False) -> Referral:
    referral = services.get_partner_referral(referral_id, current_user, detail=detail)
    if referral is None:
        db.session.commit()  # keeps the access_denied audit row
        abort(404)
    return referral


def _page(referral_id: int, anchor: str | None = None) -> str:
    return url_for("portal.detail", referral_id=referral_id, _anchor=anchor)


@role_required(PARTNER)
def home():  # type: ignore[no-untyped-def]
    return redirect(url_for("portal.index"))


@role_required(PARTNER)
def index():  # type: ignore[no-untyped-def]
    partner = _organisation_or_403()
    status = request.args.get("status") or None
    if status not in {s.value for s in services.PARTNER_VISIBLE}:
        status = None
    pagination = services.list_partner_referrals(
        current_user, status=status, page=page_number(request.args.get("page"))
    )
    return render_template(
        "portal/index.html",
        partner=partner,
        pagination=pagination,
        status=status,
        counts=services.partner_counts(current_user),
        statuses=services.PARTNER_VISIBLE,
    )


@role_required(PARTNER)
def detail(referral_id: int):  # type: ignore[no-untyped-def]
    return _render_detail(referral_id)


def _render_detail(referral_id: int, *, forms: dict[str, Any] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    partner = _organisation_or_403()
    referral = _referral_or_404(referral_id, detail=True)
    services.record_referral_view(referral, current_user, summary="partner portal")
    db.session.commit()
    all_forms = {**blank_answer_forms(referral), "number": CaseNumberForm(formdata=None), **(forms or {})}
    return (
        render_template(
            "portal/detail.html",
            partner=partner,
            referral=referral,
            shared=services.read_snapshot(referral.shared_data),
            forms_names=form_names(),
            events=services.partner_timeline(referral),
            forms=all_forms,
            can_answer=referral.status not in services.FINAL_STATUSES,
        ),
        status,
    )


@role_required(PARTNER)
def answer(referral_id: int, action: str):  # type: ignore[no-untyped-def]
    _organisation_or_403()
    referral = _referral_or_404(referral_id)
    if action not in ANSWER_FORMS:
        abort(404)
    form = ANSWER_FORMS[action]()
    if form.version_number() is None:
        return incomplete(_page(referral_id))
    if not form.validate():
        db.session.rollback()
        return _render_detail(referral_id, forms={action: form}, status=422)
    return commit_change(
        lambda: apply_answer(referral, action, form, on_behalf=False),
        success=str(THANKS[action]),
        back_url=_page(referral_id),
    )


@role_required(PARTNER)
def add_number(referral_id: int):  # type: ignore[no-untyped-def]
    _organisation_or_403()
    referral = _referral_or_404(referral_id)
    form = CaseNumberForm()
    if not form.validate():
        db.session.rollback()
        return _render_detail(referral_id, forms={"number": form}, status=422)
    return commit_change(
        lambda: services.add_case_number(
            referral, kind=form.kind.data, number=form.number.data, actor=current_user
        ),
        success=_("Number recorded."),
        back_url=_page(referral_id, "numbers"),
    )
