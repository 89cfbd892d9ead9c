"""Someone else saved first (409): the shared conflict page, with both versions side by side.

Nothing of the user's is saved; the form comes back with their values and the saved version, so
sending it again is a deliberate choice to overwrite.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import abort, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from hotline.cases import services
from hotline.cases.forms import PERSON_FIELDS, CaseAssignForm, CaseForm, CaseTriageForm, PersonForm
from hotline.cases.labels import (
    CONSENT_LABELS,
    DECISION_BODY_LABELS,
    DOCUMENT_LABELS,
    GENDER_LABELS,
    INDICATOR_LABELS,
    MIGRATION_LABELS,
    PERSON_ROLE_LABELS,
    RECRUITER_RELATION_LABELS,
    RISK_LABELS,
    STATUS_LABELS,
    SUSPECT_ROLE_LABELS,
    TRAFFICKING_STATUS_LABELS,
)
from hotline.cases.models import Case
from hotline.extensions import db
from hotline.forms import VersionedForm, choice_labels, yes_no_value
from hotline.i18n import current_language
from hotline.reference.labels import LANGUAGE_CHOICES, country_choices

Row = tuple[Any, str, str]  # (field label, the user's value, the saved value)
Rows = Callable[[Case], list[Row]]


def case_conflict(case_id: int, rows_for: Rows, form: VersionedForm, form_template: str, **context: Any):  # type: ignore[no-untyped-def]
    """A case's facts changed under the user: compare `rows_for(saved case)`, offer `form` again."""
    db.session.rollback()
    case = services.load_case_for_detail(case_id)
    if case is None:
        abort(404)
    services.record_case_view(case, current_user, summary="edit conflict page")
    db.session.commit()
    form.version.data = str(case.version_id)  # type: ignore[attr-defined]
    return _render(case, case.updated_at, rows_for(case), form, form_template, **context)


def person_conflict(case: Case, person_id: int, form: PersonForm):  # type: ignore[no-untyped-def]
    db.session.rollback()
    person = services.get_person(case, person_id)
    if person is None:
        abort(404)
    services.record_person_view(person, current_user)
    db.session.commit()
    labels = {
        "role": PERSON_ROLE_LABELS,
        "gender": GENDER_LABELS,
        "migration_status": MIGRATION_LABELS,
        "document_type": DOCUMENT_LABELS,
        "trafficking_status": TRAFFICKING_STATUS_LABELS,
        "trafficking_status_decided_by": DECISION_BODY_LABELS,
        "recruiter_relation": RECRUITER_RELATION_LABELS,
        "consent": CONSENT_LABELS,
        "suspect_roles": SUSPECT_ROLE_LABELS,
        "nationalities": choice_labels(form.nationalities.choices),
        "language": dict(LANGUAGE_CHOICES),
    }
    rows = []
    for name in PERSON_FIELDS:
        mine, theirs = form[name].data, getattr(person, name)
        if name == "is_interpreter_needed":
            mine = bool(mine)
        rows.append((form[name].label.text, show(mine, labels.get(name)), show(theirs, labels.get(name))))
    form.version.data = str(person.version_id)
    return _render(
        case,
        person.updated_at,
        rows,
        form,
        "cases/_person_form.html",
        action=url_for("cases.person_edit", case_id=case.id, person_id=person.id),
        person=person,
    )


def _render(  # type: ignore[no-untyped-def]
    case: Case, changed_at: datetime | None, rows: list[Row], form: Any, form_template: str, **context: Any
):
    when = format_datetime(changed_at, "short") if changed_at else "—"
    return (
        render_template(
            "errors/conflict.html",
            heading=_("Someone else changed case %(reference)s", reference=case.reference),
            message=_(
                "While you were editing, the record was saved by someone else (last change %(when)s). "
                "Compare the two versions below.",
                when=when,
            ),
            back_url=url_for("cases.detail", case_id=case.id),
            rows=rows,
            form=form,
            form_template=form_template,
            stylesheet="css/cases.css",
            script="js/intake.js",
            case=case,
            **context,
        ),
        409,
    )


def show(value: Any, labels: dict[Any, Any] | None = None) -> str:
    """A value as the comparison shows it ("—" when empty, labels for codes)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, (list, tuple)):
        return ", ".join(show(v, labels) for v in value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if labels is not None:
        return str(labels.get(value, value))
    return str(value)


# --- what each form compares --------------------------------------------------------------------


def case_rows(form: CaseForm) -> Rows:
    countries = dict(country_choices(current_language()))
    provinces = choice_labels(form.province.choices)

    def rows_for(case: Case) -> list[Row]:
        return [
            (
                _("Province"),
                show(provinces.get(form.province.data) if form.province.data else None),
                show(provinces.get(case.province_ubigeo) if case.province_ubigeo else None),
            ),
            (_("Place"), show(form.location.data), show(case.location)),
            (
                _("Trafficking indicators"),
                show(form.indicators.data, INDICATOR_LABELS),
                show(case.indicators, INDICATOR_LABELS),
            ),
            (_("Number of possible victims"), show(form.victim_count.data), show(case.victim_count)),
            (_("Any minors among them?"), show(yes_no_value(form.has_minors.data)), show(case.has_minors)),
            (
                _("Victims' nationalities"),
                show(form.victim_nationalities.data, countries),
                show(case.victim_nationalities, countries),
            ),
            (
                _("Country of exploitation, if abroad"),
                show([form.exploitation_country.data] if form.exploitation_country.data else [], countries),
                show([case.exploitation_country] if case.exploitation_country else [], countries),
            ),
            (_("What happened"), show(form.narrative.data), show(case.narrative)),
        ]

    return rows_for


def triage_rows(form: CaseTriageForm) -> Rows:
    forms_names = choice_labels(form.exploitation_forms.choices)
    regions = choice_labels(form.region.choices)
    provinces = choice_labels(form.province.choices)

    def rows_for(case: Case) -> list[Row]:
        return [
            (_("Risk"), show(form.risk.data, RISK_LABELS), show(case.risk, RISK_LABELS)),
            (
                _("Forms of exploitation"),
                show(form.exploitation_forms.data, forms_names),
                show([f.code for f in case.exploitation_forms], forms_names),
            ),
            (
                _("Region"),
                show(regions.get(form.region.data or "")),
                show(regions.get(case.region_ubigeo or "")),
            ),
            (
                _("Province"),
                show(provinces.get(form.province.data or "")),
                show(provinces.get(case.province_ubigeo or "")),
            ),
            (_("Status"), "", show(case.status, STATUS_LABELS)),
        ]

    return rows_for


def assign_rows(form: CaseAssignForm) -> Rows:
    names = choice_labels(form.assignee.choices)

    def rows_for(case: Case) -> list[Row]:
        return [
            (
                _("Assigned to"),
                show(names.get(form.assignee.data or "")),
                show(names.get(str(case.assigned_to_id or ""))),
            )
        ]

    return rows_for


def status_rows(wanted: str) -> Rows:
    """Closing or reopening: the status the user wanted against the saved one."""

    def rows_for(case: Case) -> list[Row]:
        return [(_("Status"), show(wanted, STATUS_LABELS), show(case.status, STATUS_LABELS))]

    return rows_for
