"""Forms of the data-subject pages. Searches and reasons travel in POST bodies, never in a URL."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from hotline.cases.labels import DOCUMENT_LABELS, GENDER_LABELS
from hotline.cases.models import AgeRange
from hotline.forms import (
    MULTI_HINT,
    VersionedForm,
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
from hotline.reference.labels import LANGUAGE_CHOICES
from hotline.subjects.services import REASON_MAX, REASON_MIN, parse_person_ids

REASON_HINT = _l(
    "For example the number of the request and how the person proved who they are. It is kept, "
    "encrypted, in the register of requests."
)


def reason_field() -> Any:
    return long_text(
        _l("Reason for this request"),
        REASON_MAX,
        required=_l("Say why (at least %(n)d characters).", n=REASON_MIN),
        description=REASON_HINT,
        filters=[strip],
    )


class SubjectSearchForm(FlaskForm):
    q = StringField(
        _l("Case reference, or the exact name, alias, document number or phone"),
        validators=[
            DataRequired(message=_l("Enter what to search for.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
            no_nul,
        ],
        filters=[strip],
        render_kw={"autocomplete": "off"},
    )


class SubjectActionForm(FlaskForm):
    """An action on the chosen person records, with the admin's reason."""

    persons = HiddenField(validators=[DataRequired(message=_l("Choose at least one person record."))])
    reason = reason_field()

    def person_ids(self) -> list[int]:
        return parse_person_ids([self.persons.data])


class SubjectExportForm(SubjectActionForm):
    fmt = RadioField(
        _l("Format"),
        choices=sc([("html", _l("Readable page")), ("json", _l("JSON file"))]),
        default="html",
        validators=[InputRequired()],
    )


class SubjectAnonymiseForm(SubjectActionForm):
    confirm = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[DataRequired(message=_l("Confirm that the anonymisation cannot be undone."))],
    )


class SubjectCorrectionForm(VersionedForm):
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
    language = code_select(
        _l("Language"),
        _l("Choose a value from the list."),
        choices=sc([("", _l("Not known")), *LANGUAGE_CHOICES]),
    )
    document_type = code_select(
        _l("Identity document"),
        _l("Choose a value from the list."),
        choices=choices(DOCUMENT_LABELS, blank=_l("None / not known")),
    )
    document_number = text(_l("Document number"), 40, render_kw={"autocomplete": "off"})
    phone = text(_l("Phone"), 40, render_kw={"autocomplete": "off", "inputmode": "tel"})
    address = long_text(_l("Address"), 2000, filters=[strip])
    reason = reason_field()

    FIELDS = (
        "name", "alias", "gender", "age", "age_range", "nationalities", "language", "document_type",
        "document_number", "phone", "address",
    )  # fmt: skip

    def validate_phone(self, field: Any) -> None:
        phone_check(self, field)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.document_number.data and not self.document_type.data:
            self.document_type.errors = [*self.document_type.errors, str(_l("Choose the type of document."))]
            ok = False
        return ok

    def fill(self, person: Any) -> None:
        self.version.data = str(person.version_id)
        for name in self.FIELDS:
            value = getattr(person, name)
            self[name].data = list(value) if isinstance(value, list) else value

    def values(self) -> dict[str, Any]:
        values = {name: self[name].data for name in self.FIELDS}
        values["nationalities"] = list(values["nationalities"] or [])
        return {k: (v if v != "" else None) for k, v in values.items()}
