"""The form toolkit every domain's forms share: choices, text fields, code pickers, versioned forms.

It knows no domain: labels of coded values live in each domain's ``labels.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

MAX_ID = 2**63 - 1  # the largest id a database row can have (BIGINT)
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)
YES_NO_UNKNOWN = [("", _l("Not known")), ("yes", _l("Yes")), ("no", _l("No"))]  # use sc(...)
MULTI_HINT = _l("Hold Ctrl (Cmd on a Mac) to choose more than one.")


def parse_id(raw: str | None) -> int | None:
    """An id typed in a query string, or None when it is not one a database row can have."""
    text = (raw or "").strip()
    if not text.isdigit() or len(text) > 19 or not 1 <= int(text) <= MAX_ID:
        return None
    return int(text)


def record_id(form: Any, field: Any) -> None:
    """An id as a database can hold it: 1 .. 2**63-1 (anything else matches nothing: say so)."""
    if field.data is not None and not 1 <= field.data <= MAX_ID:
        raise ValidationError(_l("Enter a number from 1 to %(max)d.", max=MAX_ID))


def sane_date(form: Any, field: Any) -> None:
    """A date the hotline can mean: from 1900 to 2999 (9999-12-31 and 0001-01-01 are typing slips)."""
    if field.data is not None and not EARLIEST_DATE <= field.data <= LATEST_DATE:
        raise ValidationError(
            _l("Enter a date between %(first)s and %(last)s.", first="1900-01-01", last="2999-12-31")
        )


def yes_no_value(value: str | None) -> bool | None:
    """'yes'/'no'/'' from a form as True/False/None (not known, or does not matter)."""
    return {"yes": True, "no": False}.get(value or "")


def yes_no_choice(value: bool | None) -> str:
    """The form value of True/False/None: 'yes', 'no' or ''."""
    return "" if value is None else ("yes" if value else "no")


def sc(items: Any) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice objects WTForms wants."""
    return [SelectChoice(str(value), label) for value, label in items]


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
