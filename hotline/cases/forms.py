"""Forms for cases and persons."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from hotline.cases.labels import (
    CLOSE_REASON_LABELS,
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
from hotline.cases.models import AgeRange, CloseReason, Consent, Person
from hotline.cases.services import SORTS, CaseFilter, PersonData
from hotline.forms import (
    MULTI_HINT,
    YES_NO_UNKNOWN,
    VersionedForm,
    choice_labels,
    choices,
    code_multi,
    code_select,
    long_text,
    no_nul,
    phone_check,
    sc,
    strip,
    text,
)
from hotline.reference.labels import LANGUAGE_CHOICES, check_province


class CaseForm(VersionedForm):
    """Edit the facts of a case (operators and coordinators)."""

    location = long_text(_l("Place (address, landmark, business name)"), 2000)
    province = code_select(_l("Province"), _l("Unknown province code."))
    indicators = code_multi(
        _l("Trafficking indicators"), _l("Unknown trafficking indicator."), choices=choices(INDICATOR_LABELS)
    )
    victim_count = IntegerField(
        _l("Number of possible victims"),
        validators=[
            Optional(),
            NumberRange(min=0, max=10000, message=_l("Enter a number from 0 to 10,000.")),
        ],
    )
    has_minors = SelectField(_l("Any minors among them?"), choices=sc(YES_NO_UNKNOWN), default="")
    victim_nationalities = code_multi(
        _l("Victims' nationalities"), _l("Unknown country code."), checkboxes=False, description=MULTI_HINT
    )
    exploitation_country = code_select(
        _l("Country of exploitation, if abroad"),
        _l("Unknown country code."),
        description=_l("For Peruvians exploited in another country; leave empty when it happens in Peru."),
    )
    narrative = long_text(_l("What happened"))
    # Region is shown but not changed here (triage changes it); it narrows the province list.
    region = code_select(_l("Region"), _l("Unknown region code."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        message = check_province(self.region.data, self.province.data)
        if message:
            self.province.errors = [*self.province.errors, message]
            ok = False
        return ok


class CaseTriageForm(VersionedForm):
    risk = RadioField(_l("Risk"), choices=choices(RISK_LABELS), validators=[InputRequired()])
    exploitation_forms = code_multi(_l("Forms of exploitation"), _l("Unknown form of exploitation."))
    region = code_select(_l("Region"), _l("Unknown region code."))
    province = code_select(_l("Province"), _l("Unknown province code."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        message = check_province(self.region.data, self.province.data)
        if message:
            self.province.errors = [*self.province.errors, message]
            ok = False
        return ok


class CaseAssignForm(VersionedForm):
    assignee = SelectField(_l("Assign to"), validate_choice=False)

    def validate_assignee(self, field: Any) -> None:
        if field.data and field.data not in choice_labels(field.choices):
            raise ValidationError(_l("Choose an active coordinator."))


class CaseCloseForm(VersionedForm):
    reason = code_select(
        _l("Reason for closing"),
        _l("Choose a reason for closing."),
        choices=choices(CLOSE_REASON_LABELS, blank=_l("Choose…")),
    )
    note = long_text(_l("Note (optional)"), 5000)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if not self.reason.data and not self.reason.errors:
            self.reason.errors = [str(_l("Choose a reason for closing."))]
            ok = False
        if (
            self.reason.data == CloseReason.OTHER
            and not (self.note.data or "").strip()
            and not self.note.errors
        ):
            self.note.errors = [str(_l("Explain the reason in a note."))]
            ok = False
        return ok


class CaseReopenForm(VersionedForm):
    reason = long_text(_l("Why is the case reopened?"), 5000, required=_l("Say why the case is reopened."))


class CaseNoteForm(FlaskForm):
    body = long_text(_l("New note"), required=_l("A note cannot be empty."))


class PersonForm(VersionedForm):
    role = RadioField(
        _l("Role in the case"),
        choices=choices(PERSON_ROLE_LABELS),
        validators=[InputRequired(message=_l("Choose the person's role."))],
    )
    name = text(_l("Name"), 200, render_kw={"autocomplete": "off"})
    alias = text(_l("Alias or nickname"), 200, render_kw={"autocomplete": "off"})
    gender = code_select(
        _l("Sex / gender"),
        _l("Choose a value from the list."),
        choices=choices(GENDER_LABELS, blank=_l("Not known")),
    )
    age = IntegerField(
        _l("Age"),
        validators=[Optional(), NumberRange(min=0, max=120, message=_l("Enter an age between 0 and 120."))],
    )
    age_range = code_select(
        _l("Age range (if the exact age is not known)"),
        _l("Choose a value from the list."),
        choices=sc([("", _l("Not known"))] + [(a.value, a.value) for a in AgeRange]),
    )
    nationalities = code_multi(
        _l("Nationality"), _l("Unknown country code."), checkboxes=False, description=MULTI_HINT
    )
    migration_status = code_select(
        _l("Migration status (foreigners)"),
        _l("Choose a value from the list."),
        choices=choices(MIGRATION_LABELS, blank=_l("Not known")),
    )
    language = code_select(
        _l("Language"),
        _l("Choose a value from the list."),
        choices=sc([("", _l("Not known")), *LANGUAGE_CHOICES]),
    )
    is_interpreter_needed = BooleanField(_l("Needs an interpreter"))
    document_type = code_select(
        _l("Identity document"),
        _l("Choose a value from the list."),
        choices=choices(DOCUMENT_LABELS, blank=_l("None / not known")),
    )
    document_number = text(_l("Document number"), 40, render_kw={"autocomplete": "off"})
    phone = text(_l("Phone"), 40, render_kw={"autocomplete": "off", "inputmode": "tel"})
    address = long_text(_l("Address"), 2000)
    details = long_text(_l("Other details (description, situation)"), 10000)
    trafficking_status = code_select(
        _l("Trafficking status"),
        _l("Choose a value from the list."),
        choices=choices(TRAFFICKING_STATUS_LABELS, blank=_l("Not assessed")),
    )
    trafficking_status_decided_by = code_select(
        _l("Decided by"),
        _l("Choose a value from the list."),
        choices=choices(DECISION_BODY_LABELS, blank=_l("Not decided")),
    )
    recruiter_relation = code_select(
        _l("Relation of the recruiter to the victim"),
        _l("Choose a value from the list."),
        choices=choices(RECRUITER_RELATION_LABELS, blank=_l("Not known")),
    )
    consent = RadioField(
        _l("Consent to share the data with partner organisations"),
        choices=choices(CONSENT_LABELS),
        default=Consent.NOT_ASKED.value,
        validators=[InputRequired()],
    )
    suspect_roles = code_multi(
        _l("Role of the suspect"), _l("Choose a value from the list."), choices=choices(SUSPECT_ROLE_LABELS)
    )

    def validate_phone(self, field: Any) -> None:
        phone_check(self, field)

    def fill(self, person: Person) -> None:
        """Show a saved person (the version included)."""
        self.version.data = str(person.version_id)
        for name in PERSON_FIELDS:
            value = getattr(person, name)
            self[name].data = list(value) if isinstance(value, list) else value

    def person_data(self) -> PersonData:
        return PersonData(
            role=self.role.data,
            name=self.name.data or None,
            alias=self.alias.data or None,
            gender=self.gender.data or None,
            age=self.age.data,
            age_range=self.age_range.data or None,
            nationalities=list(self.nationalities.data or []),
            migration_status=self.migration_status.data or None,
            language=self.language.data or None,
            is_interpreter_needed=bool(self.is_interpreter_needed.data),
            document_type=self.document_type.data or None,
            document_number=self.document_number.data or None,
            phone=self.phone.data or None,
            address=self.address.data or None,
            details=self.details.data or None,
            trafficking_status=self.trafficking_status.data or None,
            trafficking_status_decided_by=self.trafficking_status_decided_by.data or None,
            recruiter_relation=self.recruiter_relation.data or None,
            consent=self.consent.data or "not_asked",
            suspect_roles=list(self.suspect_roles.data or []),
        )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.trafficking_status_decided_by.data and not self.trafficking_status.data:
            self.trafficking_status_decided_by.errors = [
                *self.trafficking_status_decided_by.errors,
                str(_l("Give the trafficking status first.")),
            ]
            ok = False
        if self.document_number.data and not self.document_type.data:
            self.document_type.errors = [*self.document_type.errors, str(_l("Choose the type of document."))]
            ok = False
        return ok


# The fields of PersonData, which the person form and the Person model share.
PERSON_FIELDS = tuple(f.name for f in dataclasses.fields(PersonData))


# The list's filters that carry no personal data: they may stay in the address (`/cases/?status=new`).
FILTER_FIELDS = (
    "status",
    "risk",
    "region",
    "exploitation_form",
    "assigned",
    "opened_from",
    "opened_to",
    "overdue",
    "sort",
    "per_page",
)


class CaseFilterForm(FlaskForm):
    """The case list's search and filters.

    The filters come from the address (GET); the search text `q` only from the POSTed form (CSRF
    is checked app-wide on every POST), so it is kept out of URLs, access logs and history."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        filters=[strip],
        validators=[Optional(), Length(max=200), no_nul],
        description=_l("A reference (TP-2026-000123), a phone number or a person's full name."),
    )
    status = code_select(
        _l("Status"), _l("Choose a value from the list."), choices=choices(STATUS_LABELS, blank=_l("Any"))
    )
    risk = code_select(
        _l("Risk"), _l("Choose a value from the list."), choices=choices(RISK_LABELS, blank=_l("Any"))
    )
    region = code_select(_l("Region"), _l("Unknown region code."))
    exploitation_form = code_select(_l("Form of exploitation"), _l("Unknown form of exploitation."))
    assigned = SelectField(_l("Assigned to"), validate_choice=False)
    opened_from = DateField(_l("Opened from"), validators=[Optional()])
    opened_to = DateField(_l("Opened until"), validators=[Optional()])
    overdue = BooleanField(_l("Only cases waiting too long for triage"))
    sort = SelectField(
        _l("Sort by"),
        choices=sc(
            [
                ("-opened", _l("Newest first")),
                ("opened", _l("Oldest first")),
                ("risk", _l("Risk")),
                ("due", _l("Triage deadline")),
                ("reference", _l("Reference")),
                ("-updated", _l("Recently changed")),
            ]
        ),
        validate_choice=False,
    )
    per_page = IntegerField(_l("Per page"), validators=[Optional(), NumberRange(min=1, max=100)])

    def validate_opened_to(self, field: Any) -> None:
        if field.data and self.opened_from.data and field.data < self.opened_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def case_filter(self, *, user_id: int, allow_personal_search: bool) -> CaseFilter:
        """The filters asked for (call after a successful `validate()`); "me" is `user_id`."""
        assigned = self.assigned.data or ""
        return CaseFilter(
            status=self.status.data or None,
            risk=self.risk.data or None,
            region=self.region.data or None,
            exploitation_form=self.exploitation_form.data or None,
            assigned_to=user_id if assigned == "me" else (int(assigned) if assigned.isdigit() else None),
            unassigned=assigned == "none",
            opened_from=self.opened_from.data,
            opened_to=self.opened_to.data,
            overdue=self.overdue.data,
            q=self.q.data or None,
            sort=self.sort.data if self.sort.data in SORTS else "-opened",
            allow_personal_search=allow_personal_search,
        )
