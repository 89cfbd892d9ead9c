"""Forms of the operators' live view (the webhooks take Twilio's own parameters, not forms)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, Regexp

from hotline.telephony.twiml import E164_RE


class CallClaimForm(FlaskForm):
    """Taking a live contact: the CSRF token is the only field."""


class CallHandoffForm(FlaskForm):
    preset = SelectField(_l("Partner line"), choices=[], default="", validate_choice=True)
    number = StringField(
        _l("Or another number"),
        validators=[
            Optional(),
            Length(max=16),
            Regexp(E164_RE.pattern, message=_l("Use the international format, e.g. +5114197260.")),
        ],
        description=_l("International format with +, e.g. +5114197260."),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )

    def __init__(self, *args: object, presets: list[tuple[str, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.preset.choices = [("", _l("— choose a partner line —"))] + [
            (number, f"{label} ({number})") for label, number in (presets or [])
        ]
        self._labels = {number: label for label, number in (presets or [])}

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        if not super().validate(extra_validators):
            return False
        if bool(self.preset.data) == bool(self.number.data):
            self.number.errors.append(_l("Choose a partner line or type a number (not both)."))
            return False
        return True

    @property
    def target(self) -> tuple[str, str | None]:
        """(number, label): the label only for a configured partner line."""
        if self.preset.data:
            return self.preset.data, self._labels.get(self.preset.data)
        return (self.number.data or "").strip(), None


PRESENCE_CHOICES = [
    SelectChoice("available", _l("Available")),
    SelectChoice("busy", _l("Busy")),
    SelectChoice("away", _l("Away")),
    SelectChoice("offline", _l("Offline")),
]


class PresenceForm(FlaskForm):
    """The operator's own state for the call queue."""

    status = SelectField(_l("My state"), choices=PRESENCE_CHOICES, validate_choice=True)
