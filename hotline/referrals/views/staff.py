"""Coordinators' referral pages: list and search, overdue, a case's referrals, the referral form,
one referral (timeline, delivery, actions), its printable document, answers on a partner's behalf."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from hotline.access import Role, role_required
from hotline.cases import services as cases
from hotline.cases.models import Case
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.forms import parse_id
from hotline.i18n import current_language
from hotline.pagination import page_number
from hotline.partners.services import count_focal_points
from hotline.referrals import services
from hotline.referrals.forms import (
    CaseCloseOverrideForm,
    CaseNumberForm,
    ReferralFilterForm,
    ReferralForm,
    ReferralRevokeForm,
    ReferralSendForm,
    referral_form_class,
)
from hotline.referrals.models import Referral
from hotline.referrals.views.common import (
    ANSWER_FORMS,
    apply_answer,
    blank_answer_forms,
    commit_change,
    conflict,
    form_names,
    incomplete,
)

COORDINATOR = Role.COORDINATOR


def _load(referral_id: int) -> Referral:
    referral = services.get_referral(referral_id)
    if referral is None:
        abort(404)
    return referral


def _page(referral_id: int, anchor: str | None = None) -> str:
    return url_for("referrals.detail", referral_id=referral_id, _anchor=anchor)


# --- lists --------------------------------------------------------------------------------------


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
            partner_id=parse_id(partner),
            overdue=bool(form.overdue.data),
            q=form.q.data or None,
        )
    pagination = services.list_referrals(filters, page=page_number(request.args.get("page")))
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "referrals/index.html",
        form=form,
        pagination=pagination,
        args=args,
        counts=services.counts_by_status(),
        overdue_count=services.count_overdue(),
    )


@role_required(COORDINATOR)
def overdue():  # type: ignore[no-untyped-def]
    return render_template("referrals/overdue.html", referrals=services.list_overdue())


@role_required(COORDINATOR)
def case_referrals(case_id: int):  # type: ignore[no-untyped-def]
    case = cases.get_case(case_id)
    if case is None:
        abort(404)
    referrals = services.list_case_referrals(case.id)
    open_count = sum(r.status in services.OPEN_STATUSES for r in referrals)
    return render_template("referrals/case.html", case=case, referrals=referrals, open_count=open_count)


# --- the referral form --------------------------------------------------------------------------


@role_required(COORDINATOR)
def new(case_id: int):  # type: ignore[no-untyped-def]
    """Refer a case to one or more partners: the rules suggest them, the coordinator decides what
    each one is shown, and writes the summary beside a preview of exactly what each will see.

    `action=preview` re-renders the form with the preview and sends nothing (with `fragment=1`,
    only the preview, for referrals.js to swap in while the coordinator types).
    """
    case = cases.load_case_for_detail(case_id)
    if case is None:
        abort(404)
    options = services.referral_options(case, locale=current_language())
    form = referral_form_class(options.partner_ids)()
    form.set_victim_choices(options.victim_choices())
    if request.method == "GET":
        form.start(
            kinds=options.default_kinds(),
            ticked=options.preselected(),
            victims=options.consenting_victims(),
        )
        return _render_new(case, form, options)
    action = request.form.get("action")
    if action == "preview":
        form.sending = False
        form.validate()  # shows what is wrong; nothing is saved either way
        if request.form.get("fragment"):
            if form.csrf_token.errors:
                abort(400)
            return _render_preview(case, form, options)
        return _render_new(case, form, options)
    if not form.validate():
        return _render_new(case, form, options, status=422)
    return _create(case, form, options, send=action != "pending")


def _create(case: Case, form: ReferralForm, options: services.ReferralOptions, *, send: bool):  # type: ignore[no-untyped-def]
    token = form.form_token.data or None
    try:
        result = services.create_referrals(
            case,
            partners=options.choices(form.chosen()),
            summary=form.summary.data or "",
            actor=current_user,
            send=send,
            form_token=token,
        )
        db.session.commit()
    except services.VersionConflict as exc:  # the case changed meanwhile
        return conflict(url_for("referrals.new", case_id=case.id), message=str(exc))
    except HotlineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_new(case, form, options, status=422)
    except SQLAlchemyError as exc:
        db.session.rollback()
        if isinstance(exc, IntegrityError) and token and services.find_by_form_token(token):
            result = services.CreateResult([], created=False)  # the same form sent twice at once
        else:
            flash(_("The referral could not be saved, and nothing was sent. Please try again."), "error")
            return _render_new(case, form, options, status=503)
    if not result.created:
        flash(_("This form was already sent: no new referral was made."), "info")
    elif send:
        flash(_("%(count)d referral(s) sent.", count=len(result.referrals)), "success")
    else:
        flash(_("%(count)d referral(s) prepared, not sent yet.", count=len(result.referrals)), "success")
    return redirect(url_for("referrals.case_referrals", case_id=case.id))


def _render_new(case: Case, form: ReferralForm, options: services.ReferralOptions, status: int = 200):  # type: ignore[no-untyped-def]
    """The form shows the case's persons: each rendering is one audited view of the case."""
    previews = _previews(case, form, options)
    cases.record_case_view(case, current_user, summary="referral form")
    db.session.commit()
    return (
        render_template(
            "referrals/new.html",
            case=case,
            form=form,
            previews=previews,
            summary=form.summary.data or "",
            forms_names=form_names(),
            suggestions=options.suggestions,
            others=options.others,
            focal_points=count_focal_points(),
            existing=options.existing,
            open_by_partner=options.open_by_partner,
            victims=options.victims,
            ack_hours=services.ack_hours(),
        ),
        status,
    )


def _previews(case: Case, form: ReferralForm, options: services.ReferralOptions) -> list[Any]:
    return services.preview_referrals(
        case, options, partners=options.choices(form.chosen()), summary=form.summary.data or ""
    )


def _render_preview(case: Case, form: ReferralForm, options: services.ReferralOptions):  # type: ignore[no-untyped-def]
    """Only the preview (for the live update): one audited view of the case, like the form."""
    previews = _previews(case, form, options)
    cases.record_case_view(case, current_user, summary="referral preview")
    db.session.commit()
    return render_template(
        "referrals/_preview.html",
        previews=previews,
        summary=form.summary.data or "",
        forms_names=form_names(),
    )


@role_required(COORDINATOR)
def close_case(case_id: int):  # type: ignore[no-untyped-def]
    """Close a case whose referrals are still open, giving the reason (audited)."""
    case = cases.get_case(case_id)
    if case is None:
        abort(404)
    form = CaseCloseOverrideForm()
    if request.method == "GET":
        form.version.data = str(case.version_id)
    elif form.version_number() is None:
        return incomplete(url_for("referrals.close_case", case_id=case_id))
    elif form.validate():
        try:
            cases.close_case(
                case,
                expected_version=form.version_number(),
                reason=form.reason.data,
                note=form.override_reason.data,
                actor=current_user,
                open_referrals_reason=form.override_reason.data,
            )
        except cases.VersionConflict as exc:
            return conflict(url_for("referrals.close_case", case_id=case_id), message=str(exc))
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
    all_forms: dict[str, Any] = {
        **blank_answer_forms(referral),
        "send": ReferralSendForm(formdata=None, version=version),
        "revoke": ReferralRevokeForm(formdata=None, version=version),
        "number": CaseNumberForm(formdata=None),
        **(forms or {}),
    }
    return render_template("referrals/detail.html", forms=all_forms, **_detail_context(referral)), status


@role_required(COORDINATOR)
def print_view(referral_id: int):  # type: ignore[no-untyped-def]
    """The referral as a document for partners without an account (print, or save as PDF)."""
    referral = services.load_referral_for_detail(referral_id)
    if referral is None:
        abort(404)
    services.record_referral_view(referral, current_user, summary="printable document")
    db.session.commit()
    return render_template("referrals/print.html", **_detail_context(referral))


@role_required(COORDINATOR)
def send(referral_id: int):  # type: ignore[no-untyped-def]
    referral = _load(referral_id)
    form = ReferralSendForm()
    if not form.validate():  # the form is only its version
        return incomplete(_page(referral_id))
    return commit_change(
        lambda: services.send_referral(referral, actor=current_user, expected_version=form.version_number()),
        success=_("Referral %(reference)s sent.", reference=referral.reference),
        back_url=_page(referral_id),
    )


@role_required(COORDINATOR)
def revoke(referral_id: int):  # type: ignore[no-untyped-def]
    referral = _load(referral_id)
    form = ReferralRevokeForm()
    if form.version_number() is None:
        return incomplete(_page(referral_id))
    if not form.validate():
        return _render_detail(referral_id, forms={"revoke": form}, status=422)
    return commit_change(
        lambda: services.revoke(
            referral, reason=form.reason.data, actor=current_user, expected_version=form.version_number()
        ),
        success=_("Referral %(reference)s revoked.", reference=referral.reference),
        back_url=_page(referral_id),
    )


@role_required(COORDINATOR)
def answer(referral_id: int, action: str):  # type: ignore[no-untyped-def]
    """Record the partner's answer on its behalf (a partner without an account, or by phone)."""
    if action not in ANSWER_FORMS:
        abort(404)
    referral = _load(referral_id)
    form = ANSWER_FORMS[action]()
    if form.version_number() is None:
        return incomplete(_page(referral_id))
    if not form.validate():
        return _render_detail(referral_id, forms={action: form}, status=422)
    return commit_change(
        lambda: apply_answer(referral, action, form, on_behalf=True),
        success=_("The partner's answer was recorded on its behalf."),
        back_url=_page(referral_id),
    )


@role_required(COORDINATOR)
def add_number(referral_id: int):  # type: ignore[no-untyped-def]
    referral = _load(referral_id)
    form = CaseNumberForm()
    if not form.validate():
        return _render_detail(referral_id, forms={"number": form}, status=422)
    return commit_change(
        lambda: services.add_case_number(
            referral, kind=form.kind.data, number=form.number.data, actor=current_user, on_behalf=True
        ),
        success=_("Number recorded."),
        back_url=_page(referral_id, "numbers"),
    )
