"""Forms for cases and persons, the labels of their coded values, and shared field helpers."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from hotline.cases.models import (
    AgeRange,
    CaseStatus,
    CloseReason,
    Consent,
    DecisionBody,
    DocumentType,
    Gender,
    Indicator,
    MigrationStatus,
    PersonRole,
    RecruiterRelation,
    Risk,
    SuspectRole,
    TraffickingStatus,
)

# --- labels of coded values (templates get them through the blueprints' context processors) -------

STATUS_LABELS = {
    CaseStatus.NEW: _l("New"),
    CaseStatus.TRIAGED: _l("Triaged"),
    CaseStatus.REFERRED: _l("Referred"),
    CaseStatus.CLOSED: _l("Closed"),
}
RISK_LABELS = {Risk.URGENT: _l("Urgent"), Risk.HIGH: _l("High"), Risk.NORMAL: _l("Normal")}
INDICATOR_LABELS = {
    Indicator.FALSE_JOB_OFFER: _l("Recruited with a false job offer"),
    Indicator.DOCUMENTS_WITHHELD: _l("Identity documents withheld"),
    Indicator.DEBT: _l("Debt that cannot be paid off"),
    Indicator.CANNOT_LEAVE: _l("Cannot leave the place or the job"),
    Indicator.MINOR_IN_BARS_OR_MINES: _l("Minor working in bars, night clubs or mines"),
    Indicator.WAGES_WITHHELD: _l("Wages withheld or not paid"),
    Indicator.THREATS_OR_VIOLENCE: _l("Threats or violence against the person or the family"),
    Indicator.EXCESSIVE_HOURS: _l("Excessive working hours"),
    Indicator.MOVED_FAR_FROM_HOME: _l("Taken to another region or country"),
    Indicator.ISOLATED_OR_WATCHED: _l("Isolated, locked in or watched"),
    Indicator.SEXUAL_SERVICES_FORCED: _l("Forced to provide sexual services"),
    Indicator.DRUGS_OR_ALCOHOL: _l("Made to use drugs or alcohol"),
    Indicator.RECRUITED_ONLINE: _l("Recruited through social networks or apps"),
    Indicator.NEEDS_HEALTH_CARE: _l("Needs health care (injured, ill, pregnant, in shock)"),
}
CLOSE_REASON_LABELS = {
    CloseReason.REFERRED_AND_ATTENDED: _l("Referred and attended by a partner"),
    CloseReason.NOT_TRAFFICKING: _l("Not a trafficking situation"),
    CloseReason.DUPLICATE: _l("Duplicate of another case"),
    CloseReason.NO_CONTACT: _l("No further contact possible"),
    CloseReason.INSUFFICIENT_INFORMATION: _l("Not enough information to act"),
    CloseReason.OTHER: _l("Other reason"),
}
PERSON_ROLE_LABELS = {
    PersonRole.VICTIM: _l("Victim"),
    PersonRole.SUSPECT: _l("Suspect"),
    PersonRole.WITNESS: _l("Witness"),
    PersonRole.CALLER: _l("Caller"),
}
GENDER_LABELS = {
    Gender.FEMININE: _l("Female"),
    Gender.MASCULINE: _l("Male"),
    Gender.TRANSGENDER_FEMININE: _l("Transgender woman"),
    Gender.TRANSGENDER_MASCULINE: _l("Transgender man"),
    Gender.NON_CONFORMING: _l("Non-binary / gender non-conforming"),
    Gender.UNKNOWN: _l("Not known"),
}
MIGRATION_LABELS = {
    MigrationStatus.REGULAR: _l("Regular"),
    MigrationStatus.IRREGULAR: _l("Irregular"),
    MigrationStatus.ASYLUM_OR_REFUGEE: _l("Asylum seeker or refugee"),
    MigrationStatus.IN_PROCESS: _l("Regularisation in process"),
    MigrationStatus.UNKNOWN: _l("Not known"),
}
DOCUMENT_LABELS = {
    DocumentType.DNI: _l("DNI"),
    DocumentType.FOREIGNER_CARD: _l("Foreigner's card (CE)"),
    DocumentType.PASSPORT: _l("Passport"),
    DocumentType.PTP: _l("Temporary permit (PTP/CPP)"),
    DocumentType.OTHER: _l("Other document"),
}
TRAFFICKING_STATUS_LABELS = {
    TraffickingStatus.POSSIBLE: _l("Possible victim of trafficking"),
    TraffickingStatus.ACTUAL: _l("Victim of trafficking"),
    TraffickingStatus.NOT_A_VICTIM: _l("Not a victim of trafficking"),
}
DECISION_BODY_LABELS = {
    DecisionBody.POLICE: _l("Police"),
    DecisionBody.NGO: _l("NGO"),
    DecisionBody.COURT_OR_PROSECUTION: _l("Court or prosecutor"),
    DecisionBody.NON_POLICE_GOVERNMENT: _l("Other government body"),
    DecisionBody.OTHER: _l("Other"),
}
RECRUITER_RELATION_LABELS = {
    RecruiterRelation.INTIMATE_PARTNER: _l("Partner or ex-partner"),
    RecruiterRelation.FRIEND: _l("Friend or acquaintance"),
    RecruiterRelation.FAMILY: _l("Family member"),
    RecruiterRelation.OTHER: _l("Other (e.g. employer, stranger)"),
    RecruiterRelation.UNKNOWN: _l("Not known"),
}
CONSENT_LABELS = {
    Consent.YES: _l("Yes, agrees to share with partners"),
    Consent.NO: _l("No, does not agree"),
    Consent.NOT_ASKED: _l("Not asked yet"),
}
SUSPECT_ROLE_LABELS = {
    SuspectRole.RECRUITER: _l("Recruiter or intermediary"),
    SuspectRole.TRANSPORTER: _l("Transporter"),
    SuspectRole.EXPLOITER: _l("Exploiter"),
    SuspectRole.HARBOURER: _l("Harbours the victims"),
    SuspectRole.CONTROLLER: _l("Controls or watches the victims"),
    SuspectRole.BUYER_OR_SELLER: _l("Buys or sells people"),
    SuspectRole.SMUGGLER: _l("Smuggler"),
    SuspectRole.OTHER: _l("Other role"),
}
YES_NO_UNKNOWN = [("", _l("Not known")), ("yes", _l("Yes")), ("no", _l("No"))]  # use sc(...)
LANGUAGE_CHOICES = [
    ("es", _l("Spanish")),
    ("qu", _l("Quechua")),
    ("ay", _l("Aymara")),
    ("en", _l("English")),
    ("other", _l("Other language")),
]
MULTI_HINT = _l("Hold Ctrl (Cmd on a Mac) to choose more than one.")
# Nationalities most often met by the hotline come first in the list.
FREQUENT_COUNTRIES = ("PE", "VE", "CO", "EC", "BO", "CL", "BR", "AR", "PY", "CN", "DO", "HT")
HISTORY_ACTION_LABELS = {
    "opened": _l("Opened"),
    "updated": _l("Facts changed"),
    "triaged": _l("Triage"),
    "assigned": _l("Assignment"),
    "status": _l("Status changed"),
    "closed": _l("Closed"),
    "reopened": _l("Reopened"),
    "person_added": _l("Person added"),
    "person_updated": _l("Person changed"),
}
HISTORY_FIELD_LABELS = {
    "status": _l("Status"),
    "risk": _l("Risk"),
    "region_ubigeo": _l("Region"),
    "province_ubigeo": _l("Province"),
    "location": _l("Place"),
    "exploitation_forms": _l("Forms of exploitation"),
    "indicators": _l("Indicators"),
    "victim_count": _l("Number of victims"),
    "has_minors": _l("Minors involved"),
    "victim_nationalities": _l("Victims' nationalities"),
    "narrative": _l("What happened"),
    "assigned_to": _l("Assigned to"),
    "close_reason": _l("Reason for closing"),
    "role": _l("Role"),
    "name": _l("Name"),
    "alias": _l("Alias"),
    "gender": _l("Sex / gender"),
    "age": _l("Age"),
    "age_range": _l("Age range"),
    "nationalities": _l("Nationality"),
    "migration_status": _l("Migration status"),
    "language": _l("Language"),
    "is_interpreter_needed": _l("Needs an interpreter"),
    "document_type": _l("Identity document"),
    "document_number": _l("Document number"),
    "phone": _l("Phone"),
    "address": _l("Address"),
    "details": _l("Other details"),
    "trafficking_status": _l("Trafficking status"),
    "trafficking_status_decided_by": _l("Decided by"),
    "recruiter_relation": _l("Relation of the recruiter"),
    "consent": _l("Consent to share"),
    "suspect_roles": _l("Role of the suspect"),
}


def sc(items: Any) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice objects WTForms wants."""
    return [SelectChoice(str(value), label) for value, label in items]


def history_value(field: str | None, value: str | None) -> str:
    """A history value for people: coded values through their labels, lists item by item."""
    if value is None or value == "":
        return "—"
    name = (field or "").rsplit(".", 1)[-1]
    labels: dict[Any, Any] | None = {
        "status": STATUS_LABELS,
        "risk": RISK_LABELS,
        "close_reason": CLOSE_REASON_LABELS,
        "indicators": INDICATOR_LABELS,
        "role": PERSON_ROLE_LABELS,
        "gender": GENDER_LABELS,
        "migration_status": MIGRATION_LABELS,
        "document_type": DOCUMENT_LABELS,
        "trafficking_status": TRAFFICKING_STATUS_LABELS,
        "trafficking_status_decided_by": DECISION_BODY_LABELS,
        "recruiter_relation": RECRUITER_RELATION_LABELS,
        "consent": CONSENT_LABELS,
        "suspect_roles": SUSPECT_ROLE_LABELS,
    }.get(name)
    if name in ("has_minors", "is_interpreter_needed"):
        return str({"yes": _l("Yes"), "no": _l("No")}.get(value, value))
    if labels is None:
        return value
    by_value = {getattr(k, "value", k): v for k, v in labels.items()}
    return ", ".join(str(by_value.get(item, item)) for item in value.split(","))


def choices(labels: dict[Any, Any], *, blank: object | None = None) -> list[SelectChoice]:
    items = [(key.value, label) for key, label in labels.items()]
    return sc(([("", blank)] if blank is not None else []) + items)


def _pairs(options: Any) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    groups = options.values() if isinstance(options, dict) else [options or []]
    for group in groups:
        for option in group:
            if isinstance(option, SelectChoice):
                pairs.append((str(option.value), option.label))
            else:
                pairs.append((str(option[0]), option[1]))
    return pairs


def choice_labels(options: Any) -> dict[str, Any]:
    """{value: label} of a field's choices, whatever their shape."""
    return dict(_pairs(options))


def country_choices(locale: str) -> list[tuple[str, str]]:
    territories = Locale.parse(locale).territories
    codes = [
        c for c in territories if len(c) == 2 and c.isalpha() and c not in ("ZZ", "EU", "EZ", "UN", "QO")
    ]
    frequent = [(c, territories[c]) for c in FREQUENT_COUNTRIES]
    rest = sorted(((c, territories[c]) for c in codes if c not in FREQUENT_COUNTRIES), key=lambda x: x[1])
    return frequent + rest


def country_name(code: str, locale: str) -> str:
    return Locale.parse(locale).territories.get(code, code)


# --- field helpers ------------------------------------------------------------------------------


def no_nul(form: Any, field: Any) -> None:
    """PostgreSQL cannot store NUL characters; refuse them clearly instead of failing later."""
    values = field.data if isinstance(field.data, list) else [field.data]
    if any(isinstance(v, str) and "\x00" in v for v in values):
        raise ValidationError(_l("This field contains a character that is not allowed."))


def text(label: Any, max_length: int, **kwargs: Any) -> StringField:
    return StringField(
        label,
        validators=[Optional(), Length(max=max_length, message=_l("At most %(max)d characters.")), no_nul],
        filters=[strip],
        **kwargs,
    )


def long_text(label: Any, max_length: int = 20000, *, required: Any = None, **kwargs: Any) -> TextAreaField:
    """A free text; `required` is the message shown when it is left empty (else it is optional)."""
    first = DataRequired(message=required) if required is not None else Optional()
    return TextAreaField(
        label,
        validators=[first, Length(max=max_length, message=_l("At most %(max)d characters.")), no_nul],
        **kwargs,
    )


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def phone_check(form: Any, field: Any) -> None:
    value = field.data or ""
    allowed = set("0123456789+-() .")
    if value and (set(value) - allowed or sum(c.isdigit() for c in value) < 3):
        raise ValidationError(_l("Enter a phone number: digits, and + ( ) - or spaces."))


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CodeChoice:
    """A choice validator with a clear message (SelectField's own says only 'Not a valid choice')."""

    def __init__(self, message: Any) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        valid = set(choice_labels(field.choices))
        values = field.data if isinstance(field.data, list) else [field.data]
        for value in values:
            if value not in (None, "") and str(value) not in valid:
                raise ValidationError(self.message)


def code_select(label: Any, message: Any, **kwargs: Any) -> SelectField:
    return SelectField(label, validators=[CodeChoice(message)], validate_choice=False, **kwargs)


def code_multi(label: Any, message: Any, *, checkboxes: bool = True, **kwargs: Any) -> SelectMultipleField:
    cls = MultiCheckboxField if checkboxes else SelectMultipleField
    return cls(label, validators=[CodeChoice(message)], validate_choice=False, **kwargs)


def place_choices(locale: str, *, provinces: bool = True) -> tuple[list[SelectChoice], list[SelectChoice]]:
    """Region choices and province choices grouped by region (as <optgroup>s)."""
    from hotline.cases.services import list_provinces
    from hotline.reference.services import list_regions

    regions = list_regions()
    names = {r.ubigeo: r.name for r in regions}
    province_choices = [SelectChoice("", str(_l("Not known")))]
    if provinces:
        province_choices += [
            SelectChoice(p.ubigeo, p.name, optgroup=names.get(p.region_ubigeo, p.region_ubigeo))
            for p in list_provinces()
        ]
    return sc([("", _l("Not known"))] + [(r.ubigeo, r.name) for r in regions]), province_choices


def check_province(region: str | None, province: str | None) -> str | None:
    """An error message when the province is not in the region (Lima Metropolitana is 1501)."""
    if region and province and province[:2] != region[:2]:
        return str(_l("This province is not in the chosen region."))
    return None


def set_case_choices(form: Any, locale: str) -> None:
    """Fill the coded-value choices of the case fields present on `form`."""
    from hotline.reference.services import list_exploitation_forms

    if hasattr(form, "region"):
        regions, provinces = place_choices(locale, provinces=hasattr(form, "province"))
        form.region.choices = regions
        if hasattr(form, "province"):
            form.province.choices = provinces
    if hasattr(form, "exploitation_forms"):
        names = sorted(((f.code, f.name(locale)) for f in list_exploitation_forms()), key=lambda c: c[1])
        form.exploitation_forms.choices = sc(names)
    if hasattr(form, "victim_nationalities"):
        form.victim_nationalities.choices = sc(country_choices(locale))
    if hasattr(form, "exploitation_country"):
        abroad = [(code, name) for code, name in country_choices(locale) if code != "PE"]
        form.exploitation_country.choices = sc([("", _l("Peru, or not known")), *abroad])


# --- case forms ---------------------------------------------------------------------------------


class VersionedForm(FlaskForm):
    """A form that edits a versioned record: the version it was loaded at comes back with it."""

    version = HiddenField(_l("Form version"))

    def validate_version(self, field: Any) -> None:
        if self.version_number() is None:
            raise ValidationError(_l("This form is incomplete. Reload the page and try again."))

    def version_number(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


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


def minors_value(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def minors_choice(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


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


class CaseFilterForm(FlaskForm):
    """The case list's filters (GET, no CSRF: it changes nothing)."""

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


def today() -> date:
    from hotline.cases.services.common import local_zone
    from hotline.database import utcnow

    return utcnow().astimezone(local_zone()).date()
