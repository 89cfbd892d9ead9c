"""The intake form: one page that asks only what the kind of contact needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, RadioField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from hotline.calls.labels import CALLER_TYPE_LABELS, CHANNEL_LABELS, KIND_LABELS
from hotline.calls.models import CallKind, CallLanguage, Channel
from hotline.cases.labels import GENDER_LABELS, INDICATOR_LABELS, RISK_LABELS
from hotline.cases.models import Risk
from hotline.forms import (
    MULTI_HINT,
    YES_NO_UNKNOWN,
    choices,
    code_multi,
    code_select,
    long_text,
    phone_check,
    sc,
    text,
)
from hotline.reference.labels import LANGUAGE_CHOICES, check_province

NEEDS_SUMMARY = (
    CallKind.TRAFFICKING_REPORT,
    CallKind.CASE_FOLLOWUP,
    CallKind.INFORMATION,
    CallKind.REFERRED_ELSEWHERE,
)
# Fields validated only when the call opens a new case.
NEW_CASE_FIELDS = (
    "risk",
    "region",
    "province",
    "location",
    "exploitation_forms",
    "indicators",
    "victim_count",
    "has_minors",
    "victim_nationalities",
    "narrative",
    "victim_name",
    "victim_age",
    "victim_gender",
    "victim_phone",
)
EARLIEST = datetime(2006, 1, 1, tzinfo=UTC)  # the hotline opened in 2006


class IntakeForm(FlaskForm):
    kind = RadioField(
        _l("What kind of contact?"),
        choices=choices(KIND_LABELS),
        validators=[InputRequired(message=_l("Choose what kind of contact this was."))],
    )
    # The contact
    channel = SelectField(_l("Channel"), choices=choices(CHANNEL_LABELS), default=Channel.PHONE.value)
    received_at = DateTimeLocalField(
        _l("Received at"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
        description=_l("Leave empty for now."),
    )
    duration_minutes = IntegerField(
        _l("Duration (minutes)"),
        validators=[Optional(), NumberRange(min=0, max=600, message=_l("Enter minutes from 0 to 600."))],
    )
    caller_number = text(_l("Caller's number"), 40, render_kw={"autocomplete": "off", "inputmode": "tel"})
    caller_type = SelectField(
        _l("Who is calling?"), choices=choices(CALLER_TYPE_LABELS, blank=_l("Not said")), default=""
    )
    caller_name = text(_l("Caller's name (if given)"), 200, render_kw={"autocomplete": "off"})
    language = SelectField(_l("Language"), choices=sc(LANGUAGE_CHOICES), default=CallLanguage.SPANISH.value)
    summary = long_text(_l("Summary of the contact"))
    # The case
    case_choice = RadioField(_l("Case"), validate_choice=False, default="new")
    case_reference = text(_l("Case reference"), 40, description=_l("For example TP-2026-000123."))
    risk = RadioField(
        _l("Risk"), choices=choices(RISK_LABELS), default=Risk.NORMAL.value, validate_choice=False
    )
    region = code_select(_l("Region"), _l("Unknown region code."))
    province = code_select(_l("Province"), _l("Unknown province code."))
    location = long_text(_l("Place (address, landmark, business name)"), 2000)
    exploitation_forms = code_multi(_l("Forms of exploitation"), _l("Unknown form of exploitation."))
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
    narrative = long_text(_l("What happened"), description=_l("Leave empty to use the summary."))
    victim_name = text(_l("Name of the person at risk"), 200, render_kw={"autocomplete": "off"})
    victim_age = IntegerField(
        _l("Age of the person at risk"),
        validators=[Optional(), NumberRange(min=0, max=120, message=_l("Enter an age between 0 and 120."))],
    )
    victim_gender = code_select(
        _l("Sex / gender"),
        _l("Choose a value from the list."),
        choices=choices(GENDER_LABELS, blank=_l("Not known")),
    )
    victim_phone = text(
        _l("Phone of the person at risk"), 40, render_kw={"autocomplete": "off", "inputmode": "tel"}
    )

    def __init__(self, *args: Any, call: Any = None, now: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.call = call
        self.now = now
        self.linked_case: Any = None
        from hotline.cases.services.common import local_zone

        self.tz: Any = local_zone()

    def validate_caller_number(self, field: Any) -> None:
        phone_check(self, field)

    def validate_victim_phone(self, field: Any) -> None:
        phone_check(self, field)

    def validate_risk(self, field: Any) -> None:
        if field.data not in {r.value for r in Risk}:
            raise ValidationError(_l("Choose a risk level."))

    def validate_received_at(self, field: Any) -> None:
        if field.data is None:
            return
        moment = field.data.replace(tzinfo=self.tz).astimezone(UTC)
        now = self.now or datetime.now(UTC)
        if moment > now + timedelta(minutes=5):
            raise ValidationError(_l("The time cannot be in the future."))
        if moment < EARLIEST:
            raise ValidationError(_l("Enter a time after 2006."))

    def received_at_utc(self) -> datetime | None:
        if self.received_at.data is None:
            return None
        return self.received_at.data.replace(tzinfo=self.tz).astimezone(UTC)

    def opens_case(self) -> bool:
        return self.kind.data == CallKind.TRAFFICKING_REPORT and self.case_choice.data == "new"

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        kind = self.kind.data
        # Errors in fields this kind of contact does not use are dropped: they are not sent on.
        if not self.opens_case():
            for name in NEW_CASE_FIELDS:
                self[name].errors = []
        if self.case_choice.data != "ref":
            self.case_reference.errors = []
        if kind in NEEDS_SUMMARY and not (self.summary.data or "").strip() and not self.summary.errors:
            self.summary.errors = [str(_l("Write a short summary of the contact."))]
        self._validate_case(kind)
        if self.opens_case():
            message = check_province(self.region.data, self.province.data)
            if message:
                self.province.errors = [*self.province.errors, message]
        return not any(field.errors for field in self)

    def _validate_case(self, kind: str | None) -> None:
        from hotline.cases import services as cases

        choice = self.case_choice.data or ""
        if choice == "new" and kind != CallKind.TRAFFICKING_REPORT:
            choice = "none" if kind != CallKind.CASE_FOLLOWUP else ""
        if choice == "ref":
            reference = cases.parse_reference(self.case_reference.data or "")
            case = cases.get_case_by_reference(reference) if reference else None
            if not self.case_reference.data:
                self.case_reference.errors = [str(_l("Enter the reference of the case."))]
            elif case is None:
                self.case_reference.errors = [str(_l("No case has this reference."))]
            self.linked_case = case
        elif choice.startswith("case-"):
            try:
                case = cases.get_case(int(choice.removeprefix("case-")))
            except ValueError:
                case = None
            if case is None:
                self.case_choice.errors = [str(_l("Choose one of the cases listed."))]
            self.linked_case = case
        elif kind == CallKind.CASE_FOLLOWUP:
            self.case_choice.errors = [str(_l("Choose the case this call follows up."))]
        elif choice not in ("new", "none"):
            self.case_choice.errors = [str(_l("Choose one of the options."))]
