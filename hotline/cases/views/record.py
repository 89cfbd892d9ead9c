"""One case: its page (every view audited), its notes, and editing its facts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline.access import role_required
from hotline.cases import services
from hotline.cases.forms import CaseAssignForm, CaseForm, CaseNoteForm
from hotline.cases.models import Case
from hotline.cases.views.common import CASE_STAFF, assignee_choices, load_case, saved_draft_key, status_code
from hotline.cases.views.conflicts import case_conflict, case_rows
from hotline.changes import apply_change
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.forms import yes_no_choice, yes_no_value
from hotline.i18n import current_language
from hotline.reference.labels import set_case_choices


@role_required(*CASE_STAFF)
def detail(case_id: int):  # type: ignore[no-untyped-def]
    return _render_detail(case_id)


def _render_detail(case_id: int, *, note_form: CaseNoteForm | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    case = services.load_case_for_detail(case_id)
    if case is None:
        abort(404)
    services.record_case_view(case, current_user)
    db.session.commit()
    assign_form = CaseAssignForm(formdata=None, version=case.version_id)
    assign_form.assignee.choices = assignee_choices()
    assign_form.assignee.data = str(case.assigned_to_id or "")
    return (
        render_template(
            "cases/detail.html",
            case=case,
            history=services.list_history(case),
            note_form=note_form or CaseNoteForm(formdata=None),
            assign_form=assign_form,
            saved_draft=saved_draft_key(),
        ),
        status,
    )


@role_required(*CASE_STAFF)
def add_note(case_id: int):  # type: ignore[no-untyped-def]
    case = load_case(case_id)
    form = CaseNoteForm()
    if not form.validate():
        return _render_detail(case.id, note_form=form, status=422)
    try:
        services.add_note(case, body=form.body.data, actor=current_user)
    except HotlineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cases.detail", case_id=case.id, _anchor="notes"))
    db.session.commit()
    flash(_("Note added."), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="notes"))


@role_required(*CASE_STAFF)
def edit(case_id: int):  # type: ignore[no-untyped-def]
    case = load_case(case_id)
    form = CaseForm()
    set_case_choices(form, current_language())
    form.region.data = case.region_ubigeo or ""  # changed only by triage; narrows the provinces
    if request.method == "GET":
        _fill(form, case)
        services.record_case_view(case, current_user, summary="edit form")
        db.session.commit()
    elif form.validate():
        response = apply_change(
            lambda: services.update_case(
                case,
                expected_version=form.version_number(),
                actor=current_user,
                location=form.location.data or None,
                province_ubigeo=form.province.data or None,
                indicators=list(form.indicators.data or []),
                victim_count=form.victim_count.data,
                has_minors=yes_no_value(form.has_minors.data),
                victim_nationalities=list(form.victim_nationalities.data or []),
                exploitation_country=form.exploitation_country.data or None,
                narrative=form.narrative.data or None,
            ),
            success=_("Case %(reference)s saved.", reference=case.reference),
            next_url=url_for("cases.detail", case_id=case.id),
            on_conflict=lambda exc: case_conflict(
                case.id,
                case_rows(form),
                form,
                "cases/_case_form.html",
                action=url_for("cases.edit", case_id=case.id),
            ),
        )
        if response is not None:
            return response
    return render_template("cases/edit.html", case=case, form=form), status_code()


def _fill(form: CaseForm, case: Case) -> None:
    form.version.data = str(case.version_id)
    form.province.data = case.province_ubigeo or ""
    form.location.data = case.location
    form.indicators.data = list(case.indicators)
    form.victim_count.data = case.victim_count
    form.has_minors.data = yes_no_choice(case.has_minors)
    form.victim_nationalities.data = list(case.victim_nationalities)
    form.exploitation_country.data = case.exploitation_country or ""
    form.narrative.data = case.narrative
