"""Admin forms: ask for a partner's API key, register a webhook on its behalf, and the buttons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from hotline.api.models import Scope, WebhookEvent
from hotline.api.services.keys import DEFAULT_EXPIRY_DAYS, MAX_EXPIRY_DAYS
from hotline.forms import code_multi, code_select, no_nul, sc

SCOPE_LABELS = {
    Scope.REFERRALS_READ.value: _l("Read the organisation's referrals"),
    Scope.REFERRALS_WRITE.value: _l("Answer them (acknowledge, accept, decline, updates, outcome, numbers)"),
    Scope.WEBHOOKS_MANAGE.value: _l("Register and remove its webhooks"),
}
EVENT_LABELS = {
    WebhookEvent.REFERRAL_SENT.value: _l("New referral"),
    WebhookEvent.REFERRAL_REVOKED.value: _l("Referral withdrawn"),
    WebhookEvent.REFERRAL_DEADLINE.value: _l("Acknowledgement deadline passed"),
}


class ApiKeyForm(FlaskForm):
    partner = code_select(_l("Organisation"), _l("Choose an organisation."))
    scopes = code_multi(
        _l("What the key may do"), _l("Choose what the key may do."), choices=sc(SCOPE_LABELS.items())
    )
    expires_days = IntegerField(
        _l("Expires after (days)"),
        default=DEFAULT_EXPIRY_DAYS,
        validators=[
            InputRequired(_l("Say after how many days the key expires.")),
            NumberRange(1, MAX_EXPIRY_DAYS, _l("Between 1 and %(max)d days.", max=MAX_EXPIRY_DAYS)),
        ],
    )
    name = StringField(_l("What it is for"), validators=[Optional(), Length(max=100), no_nul])

    def validate_partner(self, field) -> None:  # type: ignore[no-untyped-def]
        _required(field, _l("Choose an organisation."))

    def validate_scopes(self, field) -> None:  # type: ignore[no-untyped-def]
        _required(field, _l("Choose what the key may do."))


def _required(field, message) -> None:  # type: ignore[no-untyped-def]
    if not field.data:
        raise ValidationError(message)


class WebhookForm(FlaskForm):
    partner = code_select(_l("Organisation"), _l("Choose an organisation."))
    url = StringField(
        _l("HTTPS address"),
        validators=[InputRequired(_l("Give the address.")), Length(max=500), no_nul],
    )
    events = code_multi(_l("Events"), _l("Choose the events."), choices=sc(EVENT_LABELS.items()))

    def validate_partner(self, field) -> None:  # type: ignore[no-untyped-def]
        _required(field, _l("Choose an organisation."))


class ButtonForm(FlaskForm):
    """A button that changes something (approve, revoke, rotate, disable): only the CSRF token."""
