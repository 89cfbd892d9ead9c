from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from hotline.awareness.services import AT_RISK_GROUPS, REGION_UNKNOWN

WHAT_HAPPENED_MAX = 10_000
# C0 control characters other than tab, line feed and carriage return (NUL above all).
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r"}


def no_control_characters(form: FlaskForm, field: Field) -> None:
    if field.data and any(char in _CONTROL for char in field.data):
        raise ValidationError(_l("This text contains characters that cannot be stored."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TipForm(FlaskForm):
    """The anonymous tip form. Nothing here identifies the visitor unless they choose to."""

    what_happened = TextAreaField(
        _l("What happened?"),
        validators=[
            DataRequired(message=_l("Please tell us what happened.")),
            Length(max=WHAT_HAPPENED_MAX),
            no_control_characters,
        ],
        description=_l(
            "What you saw or heard, who is involved and anything that could help to find the place. "
            "Write in your own words."
        ),
        render_kw={"rows": 8, "maxlength": WHAT_HAPPENED_MAX},
    )
    region = SelectField(_l("Where did it happen? (region)"), choices=[], validators=[Optional()])
    when = StringField(
        _l("When did it happen?"),
        validators=[Optional(), Length(max=200), no_control_characters],
        description=_l("For example: yesterday, last week, since March, it is still going on."),
        render_kw={"maxlength": 200, "autocomplete": "off"},
    )
    at_risk = MultiCheckboxField(
        _l("Who may be at risk?"),
        choices=[SelectChoice(code, label) for code, label in AT_RISK_GROUPS.items()],
        validators=[Optional()],
        description=_l("Tick all that apply, or none if you do not know."),
    )
    contact = StringField(
        _l("How could we contact you? (optional)"),
        validators=[Optional(), Length(max=200), no_control_characters],
        description=_l(
            "A phone number or an e-mail address, only if it is safe for you to be contacted there. "
            "Leave it empty to stay anonymous."
        ),
        render_kw={"maxlength": 200, "autocomplete": "off"},
    )
    # Honeypot: hidden from people (CSS, aria-hidden, tabindex=-1); bots that fill it are ignored.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])

    def set_region_choices(self, regions: list[tuple[str, str]]) -> None:
        self.region.choices = [
            SelectChoice("", _l("Choose a region")),
            SelectChoice(REGION_UNKNOWN, _l("I do not know")),
            *(SelectChoice(value, label) for value, label in regions),
        ]
