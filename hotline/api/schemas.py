"""The API's request and response shapes (marshmallow), which the OpenAPI document is built from.

Request bodies refuse unknown fields (422). A referral is shown as its state (ids, statuses,
times) and, on its own page, exactly the snapshot the portal shows the partner: only the fields
declared here leave the server.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from hotline.api.models import Scope, WebhookEvent
from hotline.api.services.webhooks import URL_PATTERN as WEBHOOK_URL_PATTERN
from hotline.referrals.models import CaseNumberKind, ReferralOutcome, ReferralStatus
from hotline.referrals.services import PARTNER_VISIBLE

MAX_TEXT = 5000
MAX_VERSION = 2**31 - 1
# Case numbers as partners write them: letters and digits, with spaces, dots, slashes and dashes.
CASE_NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ./-]{0,79}$"
NOT_BLANK = r"\S"


class Text(fields.String):
    """A string that must be valid Unicode text (no lone surrogates) and fit a limit."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ma.ValidationError("Not valid Unicode text.") from exc
        return text


class JsonInteger(fields.Integer):
    """An integer as JSON Schema means it: 7 or 7.0, never "7", 7.5 or true."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if isinstance(value, float):
            if not value.is_integer():
                raise self.make_error("invalid")
            value = int(value)
        return super()._deserialize(value, attr, data, **kwargs)


def _text(*, required: bool, max_length: int = MAX_TEXT, pattern: str | None = None, **kw) -> Text:  # type: ignore[no-untyped-def]
    checks: list = [validate.Length(min=1 if required else 0, max=max_length)]
    if pattern:
        checks.append(validate.Regexp(pattern))
    return Text(required=required, validate=checks, **kw)


class _Body(ma.Schema):
    class Meta:
        unknown = ma.RAISE


def _version() -> fields.Integer:
    return JsonInteger(
        required=True,
        validate=validate.Range(min=1, max=MAX_VERSION),
        metadata={"description": "The referral's `version` this change is based on (409 when it moved on)."},
    )


# --- problems -----------------------------------------------------------------------------------


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(metadata={"description": "Per field, what is wrong (validation problems)."})
    error_id = fields.String(metadata={"description": "Quote it to the hotline (internal errors)."})


# --- referrals ----------------------------------------------------------------------------------


class ReferralStateSchema(ma.Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in ReferralStatus]))
    kind = fields.String(required=True)
    risk = fields.String(required=True)
    version = fields.Integer(required=True, attribute="version_id")
    sent_at = fields.AwareDateTime(allow_none=True)
    ack_due_at = fields.AwareDateTime(allow_none=True)
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    answered_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    outcome = fields.String(allow_none=True)
    updated_at = fields.AwareDateTime(required=True)


class ReferralPageSchema(ma.Schema):
    items = fields.List(fields.Nested(ReferralStateSchema), required=True)
    next_cursor = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "Pass it as `cursor` for the next page; null on the last page."},
    )


def _n(field: fields.Field) -> fields.Field:
    field.allow_none = True
    return field


class IdentitySchema(ma.Schema):
    name = _n(fields.String())
    alias = _n(fields.String())
    age = _n(fields.Integer())
    document_type = _n(fields.String())
    document_number = _n(fields.String())


class ContactSchema(ma.Schema):
    phone = _n(fields.String())
    address = _n(fields.String())


class ProfileSchema(ma.Schema):
    n = _n(fields.Integer())
    gender = _n(fields.String())
    age_range = _n(fields.String())
    nationalities = _n(fields.List(fields.String()))
    language = _n(fields.String())
    interpreter = _n(fields.Boolean())
    migration_status = _n(fields.String())


class VictimSchema(ProfileSchema):
    identity = _n(fields.Nested(IdentitySchema))
    contact = _n(fields.Nested(ContactSchema))


class SuspectSchema(ProfileSchema):
    name = _n(fields.String())
    alias = _n(fields.String())
    roles = _n(fields.List(fields.String()))
    details = _n(fields.String())


class SharedFactsSchema(ma.Schema):
    """What the hotline shared with this partner (the portal's page shows the same)."""

    case_reference = _n(fields.String())
    risk = _n(fields.String())
    region = _n(fields.String())
    province = _n(fields.String())
    exploitation_forms = _n(fields.List(fields.String()))
    indicators = _n(fields.List(fields.String()))
    victim_count = _n(fields.Integer())
    has_minors = _n(fields.Boolean())
    victim_nationalities = _n(fields.List(fields.String()))
    exploitation_country = _n(fields.String())
    summary = _n(fields.String())
    place = _n(fields.String())
    victims = _n(fields.List(fields.Nested(VictimSchema)))
    suspects = _n(fields.List(fields.Nested(SuspectSchema)))


class EventSchema(ma.Schema):
    action = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)
    from_status = _n(fields.String())
    to_status = _n(fields.String())
    outcome = _n(fields.String())
    note = _n(fields.String())
    on_behalf = fields.Boolean(attribute="is_on_behalf", required=True)


class CaseNumberSchema(ma.Schema):
    kind = fields.String(required=True)
    number = fields.String(required=True)
    added_at = fields.AwareDateTime(required=True)


class ReferralDetailSchema(ReferralStateSchema):
    shared = fields.Nested(SharedFactsSchema, required=True)
    timeline = fields.List(fields.Nested(EventSchema), required=True)
    case_numbers = fields.List(fields.Nested(CaseNumberSchema), required=True)


class ListArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    status = fields.String(validate=validate.OneOf([s.value for s in PARTNER_VISIBLE]))
    updated_since = fields.AwareDateTime(
        metadata={"description": "Only referrals changed at or after this time (RFC 3339, with offset)."}
    )
    cursor = fields.String(
        validate=validate.Regexp(r"^[0-9]{1,20}\.[0-9]{1,19}$"),
        metadata={"description": "The `next_cursor` of the previous page."},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))


# --- changes ------------------------------------------------------------------------------------


class NoteBodySchema(_Body):
    version = _version()
    note = _text(required=False)


class DeclineBodySchema(_Body):
    version = _version()
    reason = _text(required=True, pattern=NOT_BLANK)


class UpdateBodySchema(_Body):
    version = _version()
    note = _text(required=True, pattern=NOT_BLANK)


class OutcomeBodySchema(_Body):
    version = _version()
    outcome = fields.String(required=True, validate=validate.OneOf([o.value for o in ReferralOutcome]))
    note = _text(
        required=True,
        pattern=NOT_BLANK,
        metadata={"description": "What was done (required: the hotline reads it with the outcome)."},
    )


class CaseNumberBodySchema(_Body):
    version = _version()
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in CaseNumberKind]))
    number = fields.String(required=True, validate=validate.Regexp(CASE_NUMBER_PATTERN))


class CaseNumberAddedSchema(ma.Schema):
    referral = fields.Nested(ReferralStateSchema, required=True)
    case_number = fields.Nested(CaseNumberSchema, required=True)


# --- webhooks -----------------------------------------------------------------------------------


class WebhookBodySchema(_Body):
    url = fields.String(required=True, validate=validate.Regexp(WEBHOOK_URL_PATTERN))
    events = fields.List(
        fields.String(validate=validate.OneOf([e.value for e in WebhookEvent])),
        validate=validate.Length(min=1, max=len(WebhookEvent)),
        metadata={"description": "Default: every event.", "uniqueItems": True},
    )


class WebhookSchema(ma.Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    created_at = fields.AwareDateTime(required=True)


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(
        required=True, metadata={"description": "Signs every delivery. Shown once: keep it safe."}
    )


class WebhookListSchema(ma.Schema):
    items = fields.List(fields.Nested(WebhookSchema), required=True)


SCOPES = [s.value for s in Scope]
