"""Coordinators' referral pages: list and search, overdue, a case's referrals, the referral form,
one referral (timeline, delivery, actions), its printable document, answers on a partner's behalf."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from hotline.auth.access import role_required
from hotline.auth.models import Role
from hotline.cases import services as cases
from hotline.cases.labels import CONSENT_LABELS
from hotline.cases.models import Case, Consent
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.i18n import current_language
from hotline.partners.models import PartnerKind
from hotline.partners.services import count_focal_points, list_partners
from hotline.referrals import services
from hotline.referrals.forms import (
    AcceptForm,
    AcknowledgeForm,
    CaseCloseOverrideForm,
    CaseNumberForm,
    DeclineForm,
    OutcomeForm,
    ReferralFilterForm,
    ReferralRevokeForm,
    ReferralSendForm,
    UpdateForm,
    new_form_token,
    referral_form_class,
)
from hotline.referrals.models import Referral, ReferralKind
from hotline.referrals.views import bp
from hotline.referrals.views.common import conflict, form_names, template_labels

COORDINATOR = Role.COORDINATOR
LAW_ENFORCEMENT_KINDS = {PartnerKind.POLICE, PartnerKind.PROSECUTOR, PartnerKind.JUDICIARY}
ANSWER_FORMS = {
    "acknowledge": AcknowledgeForm,
    "accept": AcceptForm,
    "decline": DeclineForm,
    "update": UpdateForm,
    "outcome": OutcomeForm,
}


@bp.context_processor
def labels() -> dict[str, Any]:
    return template_labels()


def _load(referral_id: int) -> Referral:
    referral = services.get_referral(referral_id)
    if referral is None:
        abort(404)
    return referral


# --- lists --------------------------------------------------------------------------------------


@bp.route("/")
@role_required(COORDINATOR)
def index():  # type: ignore[no-untyped-def]
    form = ReferralFilterForm(request.args)
    form.partner.choices = [("", _("Any"))] + [(str(pid), code) for pid, code in services.partner_choices()]
    filters = services.ReferralFilter()
    if form.validate():
        partner = form.partner.data or ""
        filters = services.ReferralFilter(
            status=form.status.data or None,
            kind=form.kind.data or None,
            partner_id=int(partner) if partner.isdigit() else None,
            overdue=bool(form.overdue.data),
            q=form.q.data or None,
        )
    page = request.args.get("page", "1")
    pagination = services.list_referrals(filters, page=int(page) if page.isdigit() else 1)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "referrals/index.html",
        form=form,
        pagination=pagination,
        args=args,
        counts=services.counts_by_status(),
        overdue_count=services.count_overdue(),
    )


@bp.route("/overdue")
@role_required(COORDINATOR)
def overdue():  # type: ignore[no-untyped-def]
    return render_template("referrals/overdue.html", referrals=services.list_overdue())


@bp.route("/cases/<int:case_id>")
@role_required(COORDINATOR)
def case_referrals(case_id: int):  # type: ignore[no-untyped-def]
    case = cases.get_case(case_id)
    if case is None:
        abort(404)
    referrals = services.list_case_referrals(case.id)
    open_count = sum(r.status in services.OPEN_STATUSES for r in referrals)
    return render_template("referrals/case.html", case=case, referrals=referrals, open_count=open_count)


# --- the referral form --------------------------------------------------------------------------


def _default_kind(partner: Any) -> str:
    if partner.kind in LAW_ENFORCEMENT_KINDS and partner.code != "MP-UDAVIT":
        return ReferralKind.LAW_ENFORCEMENT.value
    return ReferralKind.SERVICES.value


def _victim_label(number: int, person: Any) -> str:
    name = person.name or person.alias or _("name not known")
    consent = CONSENT_LABELS.get(person.consent, person.consent)
    return _("Victim %(n)d: %(name)s — consent: %(consent)s", n=number, name=name, consent=consent)


@bp.route("/cases/<int:case_id>/new", methods=["GET", "POST"])
@role_required(COORDINATOR)
def new(case_id: int):  # type: ignore[no-untyped-def]
    case = cases.load_case_for_detail(case_id)
    if case is None:
        abort(404)
    suggestions = services.suggest_partners(case, locale=current_language())
    suggested = {s.partner.id: s for s in suggestions}
    others = [p for p in list_partners(active_only=True) if p.id not in suggested]
    form_class = referral_form_class([s.partner.id for s in suggestions] + [p.id for p in others])
    form = form_class()
    victims = services.victims_of(case)
    form.victims.choices = [(v.id, _victim_label(i, v)) for i, v in enumerate(victims, 1)]
    if request.method == "GET":
        already = _open_by_partner(case)
        form.form_token.data = new_form_token()
        form.summary.data = case.narrative or ""
        for s in suggestions:
            form.partner_field(s.partner.id).data = s.unavailable is None and s.partner.id not in already
            form.kind_field(s.partner.id).data = s.kind
        for partner in others:
            form.kind_field(partner.id).data = _default_kind(partner)
        form.victims.data = [v.id for v in victims if v.consent == Consent.YES]
        return _render_new(case, form, suggestions, others)
    if not form.validate():
        return _render_new(case, form, suggestions, others, status=422)
    chosen = [
        services.PartnerChoice(pid, kind, tuple(suggested[pid].rule_codes) if pid in suggested else ())
        for pid, kind in form.chosen()
    ]
    sharing = services.ShareChoice(
        summary=form.summary.data or "",
        share_place=bool(form.share_place.data),
        share_identities=bool(form.share_identities.data),
        share_contacts=bool(form.share_contacts.data),
        share_suspects=bool(form.share_suspects.data),
        person_ids=tuple(form.victims.data or ()),
        override_reason=(form.override_reason.data or None) if form.override_consent.data else None,
    )
    token = form.form_token.data or None
    send = request.form.get("action") != "pending"
    try:
        result = services.create_referrals(
            case, partners=chosen, sharing=sharing, actor=current_user, send=send, form_token=token
        )
        db.session.commit()
    except (services.VersionConflict, cases.VersionConflict):
        return conflict(None, url_for("referrals.new", case_id=case_id))
    except HotlineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_new(case, form, suggestions, others, status=422)
    except IntegrityError:
        db.session.rollback()
        if token and services.find_by_form_token(token):  # the same form sent twice at once
            flash(_("This form was already sent: no new referral was made."), "info")
            return redirect(url_for("referrals.case_referrals", case_id=case_id))
        flash(_("The referral could not be saved, and nothing was sent. Please try again."), "error")
        return _render_new(case, form, suggestions, others, status=500)
    except SQLAlchemyError:
        db.session.rollback()
        flash(_("The referral could not be saved, and nothing was sent. Please try again."), "error")
        return _render_new(case, form, suggestions, others, status=500)
    if not result.created:
        flash(_("This form was already sent: no new referral was made."), "info")
    elif send:
        flash(_("%(count)d referral(s) sent.", count=len(result.referrals)), "success")
    else:
        flash(_("%(count)d referral(s) prepared, not sent yet.", count=len(result.referrals)), "success")
    return redirect(url_for("referrals.case_referrals", case_id=case_id))


def _open_by_partner(case: Case) -> dict[int, Referral]:
    return {r.partner_id: r for r in services.open_referrals(case)}


def _render_new(case: Case, form: Any, suggestions: list, others: list, status: int = 200):  # type: ignore[no-untyped-def]
    """The form shows the case's persons: each rendering is one audited view of the case."""
    cases.record_case_view(case, current_user, summary="referral form")
    db.session.commit()
    existing = services.list_case_referrals(case.id)
    return (
        render_template(
            "referrals/new.html",
            case=case,
            form=form,
            suggestions=suggestions,
            others=others,
            focal_points=count_focal_points(),
            existing=existing,
            open_by_partner={r.partner_id: r for r in existing if r.status in services.OPEN_STATUSES},
            victims=services.victims_of(case),
            ack_hours=services.ack_hours(),
        ),
        status,
    )


@bp.route("/cases/<int:case_id>/close", methods=["GET", "POST"])
@role_required(COORDINATOR)
def close_case(case_id: int):  # type: ignore[no-untyped-def]
    """Close a case whose referrals are still open, giving the reason (audited)."""
    case = cases.get_case(case_id)
    if case is None:
        abort(404)
    form = CaseCloseOverrideForm()
    if request.method == "GET":
        form.version.data = str(case.version_id)
    elif form.validate():
        try:
            version = int(form.version.data) if (form.version.data or "").isdigit() else None
            cases.close_case(
                case,
                expected_version=version,
                reason=form.reason.data,
                note=form.override_reason.data,
                actor=current_user,
                open_referrals_reason=form.override_reason.data,
            )
        except cases.VersionConflict:
            return conflict(None, url_for("referrals.close_case", case_id=case_id))
        except HotlineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Case %(reference)s closed.", reference=case.reference), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    open_referrals = services.open_referrals(case)
    status = 200 if request.method == "GET" else 422
    return render_template(
        "referrals/close_case.html", case=case, form=form, open_referrals=open_referrals
    ), status


# --- one referral -------------------------------------------------------------------------------


def _detail_context(referral: Referral) -> dict[str, Any]:
    from hotline.notifications.labels import STATUS_LABELS as DELIVERY_LABELS
    from hotline.notifications.services import messages_for

    rules = {r.code: r for r in services.list_rules()} if referral.matched_rules else {}
    return {
        "referral": referral,
        "shared": services.read_snapshot(referral.shared_data),
        "forms_names": form_names(),
        "messages": messages_for("referral", referral.id),
        "delivery_labels": DELIVERY_LABELS,
        "rules": rules,
        "has_accounts": count_focal_points().get(referral.partner_id, 0) > 0,
    }


@bp.route("/<int:referral_id>")
@role_required(COORDINATOR)
def detail(referral_id: int):  # type: ignore[no-untyped-def]
    return _render_detail(referral_id)


def _render_detail(referral_id: int, *, forms: dict[str, Any] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    referral = services.load_referral_for_detail(referral_id)
    if referral is None:
        abort(404)
    services.record_referral_view(referral, current_user)
    db.session.commit()
    version = str(referral.version_id)
    context = _detail_context(referral)
    all_forms = {
        "send": ReferralSendForm(formdata=None, version=version),
        "revoke": ReferralRevokeForm(formdata=None, version=version),
        "number": CaseNumberForm(formdata=None),
    }
    for name, form_cls in ANSWER_FORMS.items():
        all_forms[name] = form_cls(formdata=None, version=version)
    all_forms.update(forms or {})
    return render_template("referrals/detail.html", forms=all_forms, **context), status


@bp.route("/<int:referral_id>/print")
@role_required(COORDINATOR)
def print_view(referral_id: int):  # type: ignore[no-untyped-def]
    """The referral as a document for partners without an account (print, or save as PDF)."""
    referral = services.load_referral_for_detail(referral_id)
    if referral is None:
        abort(404)
    services.record_referral_view(referral, current_user, summary="printable document")
    db.session.commit()
    return render_template("referrals/print.html", **_detail_context(referral))


def _change(referral_id: int, change: Callable[[], object], success: str, *, anchor: str | None = None):  # type: ignore[no-untyped-def]
    """Run one service change on a referral: commit and flash, or roll back and explain (409 on a
    version conflict), then back to the referral page."""
    try:
        change()
    except (services.VersionConflict, cases.VersionConflict):
        return conflict(referral_id, url_for("referrals.detail", referral_id=referral_id))
    except HotlineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("referrals.detail", referral_id=referral_id, _anchor=anchor))


@bp.route("/<int:referral_id>/send", methods=["POST"])
@role_required(COORDINATOR)
def send(referral_id: int):  # type: ignore[no-untyped-def]
    referral = _load(referral_id)
    form = ReferralSendForm()
    if not form.validate():
        abort(400)
    return _change(
        referral_id,
        lambda: services.send_referral(referral, actor=current_user, expected_version=form.version_number()),
        _("Referral %(reference)s sent.", reference=referral.reference),
    )


@bp.route("/<int:referral_id>/revoke", methods=["POST"])
@role_required(COORDINATOR)
def revoke(referral_id: int):  # type: ignore[no-untyped-def]
    referral = _load(referral_id)
    form = ReferralRevokeForm()
    if not form.validate():
        return _render_detail(referral_id, forms={"revoke": form}, status=422)
    return _change(
        referral_id,
        lambda: services.revoke(
            referral, reason=form.reason.data, actor=current_user, expected_version=form.version_number()
        ),
        _("Referral %(reference)s revoked.", reference=referral.reference),
    )


@bp.route("/<int:referral_id>/answer/<action>", methods=["POST"])
@role_required(COORDINATOR)
def answer(referral_id: int, action: str):  # type: ignore[no-untyped-def]
    """Record the partner's answer on its behalf (a partner without an account, or by phone)."""
    if action not in ANSWER_FORMS:
        abort(404)
    referral = _load(referral_id)
    form = ANSWER_FORMS[action]()
    if not form.validate():
        return _render_detail(referral_id, forms={action: form}, status=422)
    return _change(
        referral_id,
        lambda: apply_answer(referral, action, form, on_behalf=True),
        _("The partner's answer was recorded on its behalf."),
    )


def apply_answer(referral: Referral, action: str, form: Any, *, on_behalf: bool) -> None:
    """Call the service for one of the partner's answers (portal and on-behalf pages alike)."""
    common = {"actor": current_user, "on_behalf": on_behalf, "expected_version": form.version_number()}
    if action == "acknowledge":
        services.acknowledge(referral, **common)
    elif action == "accept":
        services.accept(referral, note=form.note.data, **common)
    elif action == "decline":
        services.decline(referral, reason=form.reason.data, **common)
    elif action == "update":
        services.post_update(referral, note=form.note.data, **common)
    else:
        services.record_outcome(referral, outcome=form.outcome.data, note=form.note.data, **common)


@bp.route("/<int:referral_id>/numbers", methods=["POST"])
@role_required(COORDINATOR)
def add_number(referral_id: int):  # type: ignore[no-untyped-def]
    referral = _load(referral_id)
    form = CaseNumberForm()
    if not form.validate():
        return _render_detail(referral_id, forms={"number": form}, status=422)
    return _change(
        referral_id,
        lambda: services.add_case_number(
            referral, kind=form.kind.data, number=form.number.data, actor=current_user, on_behalf=True
        ),
        _("Number recorded."),
        anchor="numbers",
    )
