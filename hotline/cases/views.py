"""Case pages: list and search, detail (audited), edit, triage, assignment, closing, persons."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from hotline.auth.access import role_required
from hotline.auth.models import Role
from hotline.cases import services
from hotline.cases.forms import (
    CaseAssignForm,
    CaseCloseForm,
    CaseFilterForm,
    CaseForm,
    CaseNoteForm,
    CaseReopenForm,
    CaseTriageForm,
    PersonForm,
)
from hotline.cases.labels import (
    CLOSE_REASON_LABELS,
    CONSENT_LABELS,
    DECISION_BODY_LABELS,
    DOCUMENT_LABELS,
    GENDER_LABELS,
    HISTORY_ACTION_LABELS,
    HISTORY_FIELD_LABELS,
    INDICATOR_LABELS,
    MIGRATION_LABELS,
    PERSON_ROLE_LABELS,
    RECRUITER_RELATION_LABELS,
    RISK_LABELS,
    STATUS_LABELS,
    SUSPECT_ROLE_LABELS,
    TRAFFICKING_STATUS_LABELS,
    history_value,
)
from hotline.cases.models import Case, CaseStatus, Person
from hotline.cases.services import PersonData, VersionConflict
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.forms import choice_labels, sc, yes_no_choice, yes_no_value
from hotline.i18n import current_language
from hotline.reference.labels import LANGUAGE_CHOICES, country_choices, country_name, set_case_choices

bp = Blueprint("cases", __name__, url_prefix="/cases")

CASE_STAFF = (Role.OPERATOR, Role.COORDINATOR)
# Managers see the list (no personal data on it, search by reference only), never a case itself.
LIST_ROLES = (Role.OPERATOR, Role.COORDINATOR, Role.MANAGER)
DRAFT_KEY_RE = re.compile(r"^(new|call-\d{1,10})$")


@bp.context_processor
def labels() -> dict[str, Any]:
    from hotline.calls.labels import CALL_STATUS_LABELS, CALLER_TYPE_LABELS, CHANNEL_LABELS, KIND_LABELS

    locale = current_language()
    return {
        "STATUS_LABELS": STATUS_LABELS,
        "RISK_LABELS": RISK_LABELS,
        "INDICATOR_LABELS": INDICATOR_LABELS,
        "CLOSE_REASON_LABELS": CLOSE_REASON_LABELS,
        "PERSON_ROLE_LABELS": PERSON_ROLE_LABELS,
        "GENDER_LABELS": GENDER_LABELS,
        "MIGRATION_LABELS": MIGRATION_LABELS,
        "DOCUMENT_LABELS": DOCUMENT_LABELS,
        "TRAFFICKING_STATUS_LABELS": TRAFFICKING_STATUS_LABELS,
        "DECISION_BODY_LABELS": DECISION_BODY_LABELS,
        "RECRUITER_RELATION_LABELS": RECRUITER_RELATION_LABELS,
        "CONSENT_LABELS": CONSENT_LABELS,
        "SUSPECT_ROLE_LABELS": SUSPECT_ROLE_LABELS,
        "LANGUAGE_LABELS": dict(LANGUAGE_CHOICES),
        "HISTORY_FIELD_LABELS": HISTORY_FIELD_LABELS,
        "HISTORY_ACTION_LABELS": HISTORY_ACTION_LABELS,
        "history_value": history_value,
        "CHANNEL_LABELS": CHANNEL_LABELS,
        "KIND_LABELS": KIND_LABELS,
        "CALLER_TYPE_LABELS": CALLER_TYPE_LABELS,
        "CALL_STATUS_LABELS": CALL_STATUS_LABELS,
        "country_name": lambda code: country_name(code, locale),
        "is_overdue": services.is_overdue,
        "can_coordinate": current_user.is_authenticated and current_user.role == Role.COORDINATOR,
    }


def _load(case_id: int) -> Case:
    case = services.get_case(case_id)
    if case is None:
        abort(404)
    return case


def _load_person(case: Case, person_id: int) -> Person:
    person = services.get_person(case, person_id)
    if person is None:
        abort(404)
    return person


# --- list ---------------------------------------------------------------------------------------


@bp.route("/")
@role_required(*LIST_ROLES)
def index():  # type: ignore[no-untyped-def]
    locale = current_language()
    form = CaseFilterForm(request.args)
    set_case_choices(form, locale)
    form.region.choices = [SelectChoice("", _("Any")), *form.region.choices[1:]]
    form.exploitation_form.choices = sc(
        [("", _("Any"))] + [(f.code, f.name(locale)) for f in _exploitation_forms()]
    )
    form.assigned.choices = sc(
        [("", _("Anyone")), ("none", _("Nobody")), ("me", _("Me"))]
        + [(str(u.id), u.name or u.email) for u in services.list_assignees()]
    )
    personal = current_user.role != Role.MANAGER
    filters = services.CaseFilter(allow_personal_search=personal)
    if form.validate():
        assigned = form.assigned.data or ""
        filters = services.CaseFilter(
            status=form.status.data or None,
            risk=form.risk.data or None,
            region=form.region.data or None,
            exploitation_form=form.exploitation_form.data or None,
            assigned_to=current_user.id
            if assigned == "me"
            else (int(assigned) if assigned.isdigit() else None),
            unassigned=assigned == "none",
            opened_from=form.opened_from.data,
            opened_to=form.opened_to.data,
            overdue=form.overdue.data,
            q=form.q.data or None,
            sort=form.sort.data if form.sort.data in services.SORTS else "-opened",
            allow_personal_search=personal,
        )
    per_page = form.per_page.data if form.per_page.data and not form.per_page.errors else 25
    page = request.args.get("page", "1")
    pagination = services.list_cases(filters, page=int(page) if page.isdigit() else 1, per_page=per_page)
    args = {k: v for k, v in request.args.items() if k != "page"}
    html = render_template("cases/index.html", form=form, pagination=pagination, args=args, can_open=personal)
    if filters.is_personal_search():
        # Committed after rendering: a commit expires the loaded cases and would reload each one.
        services.record_search(filters, current_user, pagination.total or 0)
        db.session.commit()
    return html


def _exploitation_forms() -> list[Any]:
    from hotline.reference.services import list_exploitation_forms

    return list_exploitation_forms()


# --- detail -------------------------------------------------------------------------------------


@bp.route("/<int:case_id>")
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
    assign_form.assignee.choices = _assignee_choices()
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


def saved_draft_key() -> str | None:
    """The intake draft the browser may now forget (`?draft=` after a successful intake)."""
    key = request.args.get("draft", "")
    return key if DRAFT_KEY_RE.match(key) else None


def _assignee_choices() -> list[SelectChoice]:
    return sc([("", _("Nobody"))] + [(str(u.id), u.name or u.email) for u in services.list_assignees()])


@bp.route("/<int:case_id>/notes", methods=["POST"])
@role_required(*CASE_STAFF)
def add_note(case_id: int):  # type: ignore[no-untyped-def]
    case = _load(case_id)
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


# --- conflicts ----------------------------------------------------------------------------------


def _conflict(obj_case_id: int, rows_for: Any, template: str, **context: Any):  # type: ignore[no-untyped-def]
    """Someone else saved first: show both versions (409); the form keeps the user's values."""
    db.session.rollback()
    case = services.load_case_for_detail(obj_case_id)
    if case is None:
        abort(404)
    services.record_case_view(case, current_user, summary="edit conflict page")
    db.session.commit()
    rows, current_version, form = rows_for(case)
    form.version.data = str(current_version)
    return (
        render_template(
            "cases/conflict.html", case=case, rows=rows, form=form, form_template=template, **context
        ),
        409,
    )


def _show(value: Any, labels: dict[Any, Any] | None = None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, (list, tuple)):
        return ", ".join(_show(v, labels) for v in value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if labels is not None:
        return str(labels.get(value, value))
    return str(value)


# --- edit ---------------------------------------------------------------------------------------


def _case_form_rows(form: CaseForm) -> Any:
    locale = current_language()
    countries = dict(country_choices(locale))

    def rows_for(case: Case) -> tuple[list[tuple[Any, str, str]], int, CaseForm]:
        provinces = choice_labels(form.province.choices)
        rows = [
            (
                _("Province"),
                _show(provinces.get(form.province.data) if form.province.data else None),
                _show(provinces.get(case.province_ubigeo) if case.province_ubigeo else None),
            ),
            (_("Place"), _show(form.location.data), _show(case.location)),
            (
                _("Trafficking indicators"),
                _show(form.indicators.data, INDICATOR_LABELS),
                _show(case.indicators, INDICATOR_LABELS),
            ),
            (_("Number of possible victims"), _show(form.victim_count.data), _show(case.victim_count)),
            (_("Any minors among them?"), _show(yes_no_value(form.has_minors.data)), _show(case.has_minors)),
            (
                _("Victims' nationalities"),
                _show(form.victim_nationalities.data, countries),
                _show(case.victim_nationalities, countries),
            ),
            (
                _("Country of exploitation, if abroad"),
                _show([form.exploitation_country.data] if form.exploitation_country.data else [], countries),
                _show([case.exploitation_country] if case.exploitation_country else [], countries),
            ),
            (_("What happened"), _show(form.narrative.data), _show(case.narrative)),
        ]
        return rows, case.version_id, form

    return rows_for


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@role_required(*CASE_STAFF)
def edit(case_id: int):  # type: ignore[no-untyped-def]
    case = _load(case_id)
    form = CaseForm()
    set_case_choices(form, current_language())
    form.region.data = case.region_ubigeo or ""  # changed only by triage; narrows the provinces
    if request.method == "GET":
        form.version.data = str(case.version_id)
        form.province.data = case.province_ubigeo or ""
        form.location.data = case.location
        form.indicators.data = list(case.indicators)
        form.victim_count.data = case.victim_count
        form.has_minors.data = yes_no_choice(case.has_minors)
        form.victim_nationalities.data = list(case.victim_nationalities)
        form.exploitation_country.data = case.exploitation_country or ""
        form.narrative.data = case.narrative
        services.record_case_view(case, current_user, summary="edit form")
        db.session.commit()
    elif form.validate():
        try:
            services.update_case(
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
            )
        except VersionConflict:
            return _conflict(
                case.id,
                _case_form_rows(form),
                "cases/_case_form.html",
                action=url_for("cases.edit", case_id=case.id),
            )
        except HotlineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Case %(reference)s saved.", reference=case.reference), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/edit.html", case=case, form=form), 200 if request.method == "GET" else 422


# --- coordinators' actions ----------------------------------------------------------------------


@bp.route("/<int:case_id>/triage", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def triage(case_id: int):  # type: ignore[no-untyped-def]
    case = _load(case_id)
    locale = current_language()
    form = CaseTriageForm()
    set_case_choices(form, locale)
    if request.method == "GET":
        form.version.data = str(case.version_id)
        form.risk.data = case.risk
        form.exploitation_forms.data = [f.code for f in case.exploitation_forms]
        form.region.data = case.region_ubigeo or ""
        form.province.data = case.province_ubigeo or ""
    elif form.validate():
        try:
            services.triage_case(
                case,
                expected_version=form.version_number(),
                risk=form.risk.data,
                exploitation_forms=list(form.exploitation_forms.data or []),
                region_ubigeo=form.region.data or None,
                province_ubigeo=form.province.data or None,
                actor=current_user,
            )
        except VersionConflict:
            forms_names = choice_labels(form.exploitation_forms.choices)
            regions = choice_labels(form.region.choices)
            provinces = choice_labels(form.province.choices)

            def rows_for(current: Case) -> Any:
                return (
                    [
                        (_("Risk"), _show(form.risk.data, RISK_LABELS), _show(current.risk, RISK_LABELS)),
                        (
                            _("Forms of exploitation"),
                            _show(form.exploitation_forms.data, forms_names),
                            _show([f.code for f in current.exploitation_forms], forms_names),
                        ),
                        (
                            _("Region"),
                            _show(regions.get(form.region.data or "")),
                            _show(regions.get(current.region_ubigeo or "")),
                        ),
                        (
                            _("Province"),
                            _show(provinces.get(form.province.data or "")),
                            _show(provinces.get(current.province_ubigeo or "")),
                        ),
                        (_("Status"), "", _show(current.status, STATUS_LABELS)),
                    ],
                    current.version_id,
                    form,
                )

            return _conflict(
                case.id, rows_for, "cases/_triage_form.html", action=url_for("cases.triage", case_id=case.id)
            )
        except HotlineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Case %(reference)s triaged.", reference=case.reference), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/triage.html", case=case, form=form), 200 if request.method == "GET" else 422


@bp.route("/<int:case_id>/assign", methods=["POST"])
@role_required(Role.COORDINATOR)
def assign(case_id: int):  # type: ignore[no-untyped-def]
    case = _load(case_id)
    form = CaseAssignForm()
    form.assignee.choices = _assignee_choices()
    if not form.validate():
        flash(_("Choose an active coordinator."), "error")
        return redirect(url_for("cases.detail", case_id=case.id))
    assignee = db.session.get(_user_model(), int(form.assignee.data)) if form.assignee.data else None
    try:
        services.assign_case(
            case, expected_version=form.version_number(), assignee=assignee, actor=current_user
        )
    except VersionConflict:
        choices = choice_labels(form.assignee.choices)

        def rows_for(current: Case) -> Any:
            return (
                [
                    (
                        _("Assigned to"),
                        _show(choices.get(form.assignee.data or "")),
                        _show(choices.get(str(current.assigned_to_id or ""))),
                    )
                ],
                current.version_id,
                form,
            )

        return _conflict(
            case.id, rows_for, "cases/_assign_form.html", action=url_for("cases.assign", case_id=case.id)
        )
    except HotlineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cases.detail", case_id=case.id))
    db.session.commit()
    flash(_("Assignment saved."), "success")
    return redirect(url_for("cases.detail", case_id=case.id))


def _user_model() -> Any:
    from hotline.auth.models import User

    return User


@bp.route("/<int:case_id>/close", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def close(case_id: int):  # type: ignore[no-untyped-def]
    case = _load(case_id)
    form = CaseCloseForm()
    if request.method == "GET":
        form.version.data = str(case.version_id)
    elif form.validate():
        try:
            services.close_case(
                case,
                expected_version=form.version_number(),
                reason=form.reason.data,
                note=form.note.data or None,
                actor=current_user,
            )
        except VersionConflict:

            def rows_for(current: Case) -> Any:
                return (
                    [
                        (
                            _("Status"),
                            _show(CaseStatus.CLOSED.value, STATUS_LABELS),
                            _show(current.status, STATUS_LABELS),
                        )
                    ],
                    current.version_id,
                    form,
                )

            return _conflict(
                case.id, rows_for, "cases/_close_form.html", action=url_for("cases.close", case_id=case.id)
            )
        except HotlineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Case %(reference)s closed.", reference=case.reference), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/close.html", case=case, form=form), 200 if request.method == "GET" else 422


@bp.route("/<int:case_id>/reopen", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def reopen(case_id: int):  # type: ignore[no-untyped-def]
    case = _load(case_id)
    form = CaseReopenForm()
    if request.method == "GET":
        form.version.data = str(case.version_id)
    elif form.validate():
        try:
            services.reopen_case(
                case, expected_version=form.version_number(), reason=form.reason.data, actor=current_user
            )
        except VersionConflict:

            def rows_for(current: Case) -> Any:
                return (
                    [
                        (
                            _("Status"),
                            _show(CaseStatus.TRIAGED.value, STATUS_LABELS),
                            _show(current.status, STATUS_LABELS),
                        )
                    ],
                    current.version_id,
                    form,
                )

            return _conflict(
                case.id, rows_for, "cases/_reopen_form.html", action=url_for("cases.reopen", case_id=case.id)
            )
        except HotlineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Case %(reference)s reopened.", reference=case.reference), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/reopen.html", case=case, form=form), 200 if request.method == "GET" else 422


# --- persons ------------------------------------------------------------------------------------


def _person_form() -> PersonForm:
    form = PersonForm()
    countries = country_choices(current_language())
    form.nationalities.choices = sc(countries)
    return form


def _person_data(form: PersonForm) -> PersonData:
    return PersonData(
        role=form.role.data,
        name=form.name.data or None,
        alias=form.alias.data or None,
        gender=form.gender.data or None,
        age=form.age.data,
        age_range=form.age_range.data or None,
        nationalities=list(form.nationalities.data or []),
        migration_status=form.migration_status.data or None,
        language=form.language.data or None,
        is_interpreter_needed=bool(form.is_interpreter_needed.data),
        document_type=form.document_type.data or None,
        document_number=form.document_number.data or None,
        phone=form.phone.data or None,
        address=form.address.data or None,
        details=form.details.data or None,
        trafficking_status=form.trafficking_status.data or None,
        trafficking_status_decided_by=form.trafficking_status_decided_by.data or None,
        recruiter_relation=form.recruiter_relation.data or None,
        consent=form.consent.data or "not_asked",
        suspect_roles=list(form.suspect_roles.data or []),
    )


PERSON_FIELDS = (
    "role",
    "name",
    "alias",
    "gender",
    "age",
    "age_range",
    "nationalities",
    "migration_status",
    "language",
    "is_interpreter_needed",
    "document_type",
    "document_number",
    "phone",
    "address",
    "details",
    "trafficking_status",
    "trafficking_status_decided_by",
    "recruiter_relation",
    "consent",
    "suspect_roles",
)


@bp.route("/<int:case_id>/persons/new", methods=["GET", "POST"])
@role_required(*CASE_STAFF)
def person_new(case_id: int):  # type: ignore[no-untyped-def]
    case = _load(case_id)
    form = _person_form()
    form.version.data = "0"  # a new person has no version yet
    if request.method == "GET":
        role = request.args.get("role", "victim")
        form.role.data = role if role in PERSON_ROLE_LABELS else "victim"
    elif form.validate():
        try:
            services.add_person(case, _person_data(form), actor=current_user)
        except HotlineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Person added to case %(reference)s.", reference=case.reference), "success")
            return redirect(url_for("cases.detail", case_id=case.id, _anchor="persons"))
    return render_template("cases/person.html", case=case, form=form, person=None), (
        200 if request.method == "GET" else 422
    )


@bp.route("/<int:case_id>/persons/<int:person_id>/edit", methods=["GET", "POST"])
@role_required(*CASE_STAFF)
def person_edit(case_id: int, person_id: int):  # type: ignore[no-untyped-def]
    case = _load(case_id)
    person = _load_person(case, person_id)
    form = _person_form()
    if request.method == "GET":
        form.version.data = str(person.version_id)
        for name in PERSON_FIELDS:
            value = getattr(person, name)
            form[name].data = list(value) if isinstance(value, list) else value
        services.record_person_view(person, current_user)
        db.session.commit()
    elif form.validate():
        try:
            services.update_person(
                person, _person_data(form), expected_version=form.version_number(), actor=current_user
            )
        except VersionConflict:
            return _person_conflict(case, person.id, form)
        except HotlineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Person saved."), "success")
            return redirect(url_for("cases.detail", case_id=case.id, _anchor="persons"))
    return render_template("cases/person.html", case=case, form=form, person=person), (
        200 if request.method == "GET" else 422
    )


def _person_conflict(case: Case, person_id: int, form: PersonForm):  # type: ignore[no-untyped-def]
    db.session.rollback()
    person = services.get_person(case, person_id)
    if person is None:
        abort(404)
    services.record_person_view(person, current_user)
    db.session.commit()
    countries = choice_labels(form.nationalities.choices)
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
        "nationalities": countries,
        "language": dict(LANGUAGE_CHOICES),
    }
    rows = []
    for name in PERSON_FIELDS:
        mine, theirs = form[name].data, getattr(person, name)
        if name == "is_interpreter_needed":
            mine = bool(mine)
        rows.append((form[name].label.text, _show(mine, labels.get(name)), _show(theirs, labels.get(name))))
    form.version.data = str(person.version_id)
    return (
        render_template(
            "cases/conflict.html",
            case=case,
            rows=rows,
            form=form,
            form_template="cases/_person_form.html",
            action=url_for("cases.person_edit", case_id=case.id, person_id=person.id),
            person=person,
        ),
        409,
    )
