"""Operators' pages: the queue of calls, the intake form, a call's details."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline.access import role_required
from hotline.auth.models import Role
from hotline.calls import services
from hotline.calls.forms import IntakeForm
from hotline.calls.labels import (
    CALL_STATUS_LABELS,
    CALLER_TYPE_LABELS,
    CHANNEL_LABELS,
    KIND_LABELS,
    LANGUAGE_LABELS,
)
from hotline.calls.models import Call, CallerType, CallKind, CallLanguage, CallStatus, Channel
from hotline.cases import services as cases
from hotline.cases.labels import INDICATOR_LABELS, RISK_LABELS, STATUS_LABELS
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.forms import yes_no_value
from hotline.i18n import current_language
from hotline.phones import mask_phone
from hotline.reference.labels import set_case_choices

bp = Blueprint("calls", __name__, url_prefix="/calls")

CALL_STAFF = (Role.OPERATOR, Role.COORDINATOR)
DRAFT_KEY_RE = re.compile(r"^(new|call-\d{1,10})$")


@bp.app_context_processor
def call_labels() -> dict[str, Any]:
    """The labels of a call's coded values, for every template (a case's page lists its contacts).

    Prefixed names, so they never shadow another domain's labels (referrals have kinds too)."""
    return {
        "CALL_CHANNEL_LABELS": CHANNEL_LABELS,
        "CALL_KIND_LABELS": KIND_LABELS,
        "CALLER_TYPE_LABELS": CALLER_TYPE_LABELS,
        "CALL_STATUS_LABELS": CALL_STATUS_LABELS,
    }


@bp.context_processor
def labels() -> dict[str, Any]:
    return {
        "LANGUAGE_LABELS": LANGUAGE_LABELS,
        "CASE_STATUS_LABELS": STATUS_LABELS,
        "RISK_LABELS": RISK_LABELS,
        "INDICATOR_LABELS": INDICATOR_LABELS,
        "mask_phone": mask_phone,
        "saved_draft": saved_draft_key(),
    }


def saved_draft_key() -> str | None:
    key = request.args.get("draft", "")
    return key if DRAFT_KEY_RE.match(key) else None


def _int_arg(name: str, default: int, *, low: int = 1, high: int = 100) -> int:
    try:
        value = int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default
    return max(low, min(value, high))


def _load_call(call_id: int) -> Call:
    call = services.get_call(call_id)
    if call is None:
        abort(404)
    return call


@bp.route("/")
@role_required(*CALL_STAFF)
def queue():  # type: ignore[no-untyped-def]
    mine = request.args.get("mine") == "1"
    data = services.list_queue(
        current_user, page=_int_arg("page", 1, high=10**6), per_page=_int_arg("per_page", 25), mine_only=mine
    )
    return render_template("calls/queue.html", queue=data, mine=mine)


@bp.route("/new", methods=["GET", "POST"])
@role_required(*CALL_STAFF)
def new():  # type: ignore[no-untyped-def]
    return _intake(None)


@bp.route("/<int:call_id>/intake", methods=["GET", "POST"])
@role_required(*CALL_STAFF)
def intake(call_id: int):  # type: ignore[no-untyped-def]
    call = _load_call(call_id)
    if call.status == CallStatus.LOGGED:
        flash(_("The intake of this call has already been saved."), "info")
        return redirect(url_for("calls.detail", call_id=call.id))
    return _intake(call)


@bp.route("/<int:call_id>/claim", methods=["POST"])
@role_required(*CALL_STAFF)
def claim(call_id: int):  # type: ignore[no-untyped-def]
    call = _load_call(call_id)
    try:
        services.claim_call(call, current_user)
    except HotlineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("calls.queue"))
    db.session.commit()
    return redirect(url_for("calls.intake", call_id=call.id))


@bp.route("/<int:call_id>")
@role_required(*CALL_STAFF)
def detail(call_id: int):  # type: ignore[no-untyped-def]
    call = _load_call(call_id)
    services.record_call_view(call, current_user)
    db.session.commit()
    previous, last = services.previous_calls_from(call.caller_number, exclude_id=call.id)
    return render_template("calls/detail.html", call=call, previous=previous, last=last)


@bp.route("/<int:call_id>/link", methods=["POST"])
@role_required(*CALL_STAFF)
def link(call_id: int):  # type: ignore[no-untyped-def]
    call = _load_call(call_id)  # (CSRF is checked for every POST by CSRFProtect)
    case = cases.get_case_by_reference(request.form.get("case_reference", "")[:40])
    if case is None:
        flash(_("No case has this reference."), "error")
        return redirect(url_for("calls.detail", call_id=call.id))
    try:
        services.link_call_to_case(call, case, actor=current_user)
    except HotlineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("calls.detail", call_id=call.id))
    db.session.commit()
    flash(_("The call is now linked to case %(reference)s.", reference=case.reference), "success")
    return redirect(url_for("calls.detail", call_id=call.id))


# --- the intake form ----------------------------------------------------------------------------


def _prefill(form: IntakeForm, call: Call) -> None:
    form.channel.data = call.channel
    form.received_at.data = call.received_at.astimezone(form.tz).replace(tzinfo=None, second=0, microsecond=0)
    if call.duration_seconds is not None:
        form.duration_minutes.data = round(call.duration_seconds / 60)
    form.caller_number.data = call.caller_number
    if call.kind:
        form.kind.data = call.kind
    if call.caller_type:
        form.caller_type.data = call.caller_type
    if call.language:
        form.language.data = call.language
    if call.summary:
        form.summary.data = call.summary


def _intake_data(form: IntakeForm, call: Call | None) -> services.IntakeData:
    kind = CallKind(form.kind.data)
    new_case = None
    victim = None
    if form.opens_case():
        new_case = cases.CaseFacts(
            risk=form.risk.data,
            region_ubigeo=form.region.data or None,
            province_ubigeo=form.province.data or None,
            location=form.location.data or None,
            exploitation_forms=list(form.exploitation_forms.data or []),
            indicators=list(form.indicators.data or []),
            victim_count=form.victim_count.data,
            has_minors=yes_no_value(form.has_minors.data),
            victim_nationalities=list(form.victim_nationalities.data or []),
            narrative=form.narrative.data or None,
        )
        if form.victim_name.data or form.victim_age.data is not None or form.victim_phone.data:
            victim = cases.PersonData(
                role="victim",
                name=form.victim_name.data or None,
                age=form.victim_age.data,
                gender=form.victim_gender.data or None,
                phone=form.victim_phone.data or None,
                nationalities=list(form.victim_nationalities.data or [])[:1],
            )
    minutes = form.duration_minutes.data
    return services.IntakeData(
        kind=kind,
        channel=Channel(form.channel.data) if form.channel.data in set(Channel) else Channel.PHONE,
        received_at=form.received_at_utc(),
        duration_seconds=minutes * 60 if minutes is not None else None,
        caller_number=form.caller_number.data or None,
        caller_type=CallerType(form.caller_type.data) if form.caller_type.data else None,
        caller_name=form.caller_name.data or None,
        language=CallLanguage(form.language.data) if form.language.data else None,
        summary=form.summary.data or None,
        link_case_id=form.linked_case.id if form.linked_case is not None else None,
        new_case=new_case,
        victim=victim,
    )


def _intake(call: Call | None):  # type: ignore[no-untyped-def]
    form = IntakeForm(call=call)
    set_case_choices(form, current_language())
    draft_key = f"call-{call.id}" if call else "new"
    action = request.form.get("action", "save")
    if request.method == "GET" and call is not None:
        _prefill(form, call)
        services.record_call_view(call, current_user)
        db.session.commit()
    number = call.caller_number if call is not None and call.twilio_sid else form.caller_number.data
    matches = cases.find_matching_cases(
        caller_number=number,
        names=[n for n in (form.victim_name.data, form.caller_name.data) if n],
        phones=[p for p in (form.victim_phone.data,) if p],
    )
    previous, last = services.previous_calls_from(number, exclude_id=call.id if call else None)
    status = 200
    if request.method == "POST" and action != "check":
        if form.validate():
            try:
                saved = services.record_intake(call=call, data=_intake_data(form, call), actor=current_user)
            except HotlineError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                status = 422
            else:
                db.session.commit()
                return _after_save(saved, draft_key)
        else:
            status = 422
    holder = call.operator if call is not None and call.operator_id not in (None, current_user.id) else None
    return (
        render_template(
            "calls/intake.html",
            form=form,
            call=call,
            matches=matches,
            previous=previous,
            last=last,
            draft_key=draft_key,
            holder=holder,
            checked=action == "check",
        ),
        status,
    )


def _after_save(call: Call, draft_key: str):  # type: ignore[no-untyped-def]
    kind = CallKind(call.kind)
    if call.case_id is not None and kind in services.CASE_KINDS:
        flash(_("Call saved and linked to case %(reference)s.", reference=call.case.reference), "success")
        return redirect(url_for("cases.detail", case_id=call.case_id, draft=draft_key))
    flash(_("Call saved."), "success")
    return redirect(url_for("calls.queue", draft=draft_key))
