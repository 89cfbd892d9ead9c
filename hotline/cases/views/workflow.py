"""Coordinators' actions on a case: triage, assignment, closing and reopening."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline.access import Role, role_required
from hotline.cases import services
from hotline.cases.forms import CaseAssignForm, CaseCloseForm, CaseReopenForm, CaseTriageForm
from hotline.cases.models import CaseStatus
from hotline.cases.views.common import assignee_choices, load_case, status_code
from hotline.cases.views.conflicts import assign_rows, case_conflict, status_rows, triage_rows
from hotline.changes import apply_change
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.i18n import current_language
from hotline.reference.labels import set_case_choices


@role_required(Role.COORDINATOR)
def triage(case_id: int):  # type: ignore[no-untyped-def]
    case = load_case(case_id)
    form = CaseTriageForm()
    set_case_choices(form, current_language())
    if request.method == "GET":
        form.version.data = str(case.version_id)
        form.risk.data = case.risk
        form.exploitation_forms.data = [f.code for f in case.exploitation_forms]
        form.region.data = case.region_ubigeo or ""
        form.province.data = case.province_ubigeo or ""
    elif form.validate():
        response = apply_change(
            lambda: services.triage_case(
                case,
                expected_version=form.version_number(),
                risk=form.risk.data,
                exploitation_forms=list(form.exploitation_forms.data or []),
                region_ubigeo=form.region.data or None,
                province_ubigeo=form.province.data or None,
                actor=current_user,
            ),
            success=_("Case %(reference)s triaged.", reference=case.reference),
            next_url=url_for("cases.detail", case_id=case.id),
            on_conflict=lambda exc: case_conflict(
                case.id,
                triage_rows(form),
                form,
                "cases/_triage_form.html",
                action=url_for("cases.triage", case_id=case.id),
            ),
        )
        if response is not None:
            return response
    return render_template("cases/triage.html", case=case, form=form), status_code()


@role_required(Role.COORDINATOR)
def assign(case_id: int):  # type: ignore[no-untyped-def]
    case = load_case(case_id)
    form = CaseAssignForm()
    form.assignee.choices = assignee_choices()
    if not form.validate():
        flash(_("Choose an active coordinator."), "error")
        return redirect(url_for("cases.detail", case_id=case.id))
    assignee = services.get_assignee(int(form.assignee.data)) if form.assignee.data else None
    try:
        services.assign_case(
            case, expected_version=form.version_number(), assignee=assignee, actor=current_user
        )
    except services.VersionConflict:
        return case_conflict(
            case.id,
            assign_rows(form),
            form,
            "cases/_assign_form.html",
            action=url_for("cases.assign", case_id=case.id),
        )
    except HotlineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cases.detail", case_id=case.id))
    db.session.commit()
    flash(_("Assignment saved."), "success")
    return redirect(url_for("cases.detail", case_id=case.id))


@role_required(Role.COORDINATOR)
def close(case_id: int):  # type: ignore[no-untyped-def]
    case = load_case(case_id)
    form = CaseCloseForm()
    if request.method == "GET":
        form.version.data = str(case.version_id)
    elif form.validate():
        response = apply_change(
            lambda: services.close_case(
                case,
                expected_version=form.version_number(),
                reason=form.reason.data,
                note=form.note.data or None,
                actor=current_user,
            ),
            success=_("Case %(reference)s closed.", reference=case.reference),
            next_url=url_for("cases.detail", case_id=case.id),
            on_conflict=lambda exc: case_conflict(
                case.id,
                status_rows(CaseStatus.CLOSED.value),
                form,
                "cases/_close_form.html",
                action=url_for("cases.close", case_id=case.id),
            ),
        )
        if response is not None:
            return response
    return render_template("cases/close.html", case=case, form=form), status_code()


@role_required(Role.COORDINATOR)
def reopen(case_id: int):  # type: ignore[no-untyped-def]
    case = load_case(case_id)
    form = CaseReopenForm()
    if request.method == "GET":
        form.version.data = str(case.version_id)
    elif form.validate():
        response = apply_change(
            lambda: services.reopen_case(
                case, expected_version=form.version_number(), reason=form.reason.data, actor=current_user
            ),
            success=_("Case %(reference)s reopened.", reference=case.reference),
            next_url=url_for("cases.detail", case_id=case.id),
            on_conflict=lambda exc: case_conflict(
                case.id,
                status_rows(CaseStatus.TRIAGED.value),
                form,
                "cases/_reopen_form.html",
                action=url_for("cases.reopen", case_id=case.id),
            ),
        )
        if response is not None:
            return response
    return render_template("cases/reopen.html", case=case, form=form), status_code()
