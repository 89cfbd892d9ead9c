"""Forms for referrals, the partner portal and routing rules (the labels of their codes are in labels.py)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from hotline.cases.labels import CLOSE_REASON_LABELS, INDICATOR_LABELS, RISK_LABELS
from hotline.forms import MultiCheckboxField, VersionedForm, choices, long_text, no_nul, sc
from hotline.referrals.labels import CASE_NUMBER_LABELS, KIND_LABELS, OUTCOME_LABELS, STATUS_LABELS
from hotline.referrals.models import ReferralKind, ReferralOutcome
from hotline.referrals.services import ShareChoice
from hotline.referrals.services.sharing import MAX_SUMMARY

TRI_STATE = [("", _l("Does not matter")), ("yes", _l("Yes")), ("no", _l("No"))]


# --- the coordinator's referral form ------------------------------------------------------------


@dataclass(frozen=True)
class ShareFields:
    """The sharing fields of one partner on the referral form."""

    place: Any
    identities: Any
    contacts: Any
    suspects: Any
    victims: Any
    override: Any
    override_reason: Any


class ReferralForm(FlaskForm):
    """Send a case to partners. For each partner offered, fields are added at run time: a checkbox
    and a type, and what that partner is shown (place, identities, contacts, suspects, which
    victims, an override of consent with its reason). The summary is one for the whole send."""

    form_token = HiddenField()
    summary = long_text(
        _l("Summary for the partner"),
        MAX_SUMMARY,
        description=_l(
            "What the partner needs to know to act. Leave out names, numbers and addresses "
            "unless you share them below."
        ),
    )

    partner_ids: list[int]
    sending = True  # False for a preview: nothing is checked that only sending needs

    def share(self, partner_id: int) -> ShareFields:
        return ShareFields(*(self[f"{name}_{partner_id}"] for name in SHARE_FIELD_NAMES))

    def set_victim_choices(self, victim_choices: list[tuple[int, str]]) -> None:
        for pid in self.partner_ids:
            self.share(pid).victims.choices = victim_choices

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.sending and not (self.summary.data or "").strip():
            self.summary.errors = [*self.summary.errors, str(_l("Write a summary for the partner."))]
            ok = False
        for pid in self.chosen_ids():
            fields = self.share(pid)
            valid = {int(c[0]) for c in fields.victims.choices or []}
            if set(fields.victims.data or []) - valid:
                fields.victims.errors = [
                    *fields.victims.errors,
                    str(_l("Only the victims of this case can be chosen.")),
                ]
                ok = False
            if fields.override.data and not (fields.override_reason.data or "").strip():
                fields.override_reason.errors = [
                    *fields.override_reason.errors,
                    str(_l("Give the reason for the override.")),
                ]
                ok = False
        return ok

    def partner_field(self, partner_id: int) -> Any:
        return self[f"p_{partner_id}"]

    def kind_field(self, partner_id: int) -> Any:
        return self[f"k_{partner_id}"]

    def chosen_ids(self) -> list[int]:
        return [pid for pid in self.partner_ids if self.partner_field(pid).data]

    def chosen(self) -> list[tuple[int, str, ShareChoice]]:
        """(partner id, type, what it is shown) of each partner ticked."""
        return [(pid, self.kind_field(pid).data, self.sharing(pid)) for pid in self.chosen_ids()]

    def start(self, *, kinds: dict[int, str], ticked: set[int], victims: list[int]) -> None:
        """The form as first shown: a fresh token, an EMPTY summary (the coordinator writes it),
        each partner's type and tick, and for each partner the consenting victims ticked (their
        details are still shared only if identities or contacts are ticked for that partner)."""
        self.form_token.data = new_form_token()
        self.summary.data = ""
        for pid in self.partner_ids:
            self.partner_field(pid).data = pid in ticked
            self.kind_field(pid).data = kinds[pid]
            self.share(pid).victims.data = list(victims)

    def sharing(self, partner_id: int) -> ShareChoice:
        """What the coordinator chose to show this partner; the override reason counts only when ticked."""
        fields = self.share(partner_id)
        override = (fields.override_reason.data or None) if fields.override.data else None
        return ShareChoice(
            share_place=bool(fields.place.data),
            share_identities=bool(fields.identities.data),
            share_contacts=bool(fields.contacts.data),
            share_suspects=bool(fields.suspects.data),
            person_ids=tuple(fields.victims.data or ()),
            override_reason=override,
        )


SHARE_FIELD_NAMES = ("place", "identities", "contacts", "suspects", "victims", "override", "override_reason")


def _share_fields() -> dict[str, Any]:
    """Fresh fields for one partner's sharing choice, by name (without the partner's id)."""
    return {
        "place": BooleanField(_l("The place (address, landmark, business name)")),
        "identities": BooleanField(_l("Identities of the chosen victims (name, exact age, document)")),
        "contacts": BooleanField(_l("Contact details of the chosen victims (phone, address)")),
        "suspects": BooleanField(_l("Details of the suspects")),
        "victims": MultiCheckboxField(
            _l("Victims whose details are shared"), validate_choice=False, coerce=int
        ),
        "override": BooleanField(_l("Share without recorded consent (override)")),
        "override_reason": long_text(
            _l("Reason for the override"),
            1000,
            description=_l("Recorded on the referral and in the audit trail."),
        ),
    }


def referral_form_class(partner_ids: Sequence[int]) -> type[ReferralForm]:
    """A ReferralForm with, for each partner offered, a checkbox `p_<id>`, a type `k_<id>` and its
    sharing fields `place_<id>`, `identities_<id>`, ... `override_reason_<id>`."""
    attrs: dict[str, Any] = {"partner_ids": list(partner_ids)}
    kinds = choices(KIND_LABELS)
    for pid in partner_ids:
        attrs[f"p_{pid}"] = BooleanField(_l("Refer"))
        attrs[f"k_{pid}"] = SelectField(_l("Type"), choices=kinds, default=ReferralKind.SERVICES.value)
        for name, unbound in _share_fields().items():
            attrs[f"{name}_{pid}"] = unbound
    return type("DynamicReferralForm", (ReferralForm,), attrs)


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


class ReferralSendForm(VersionedForm):
    pass


class ReferralRevokeForm(VersionedForm):
    reason = long_text(
        _l("Why is the referral revoked?"), 2000, required=_l("Say why the referral is revoked.")
    )


class CaseCloseOverrideForm(VersionedForm):
    reason = SelectField(
        _l("Reason for closing"),
        choices=choices(CLOSE_REASON_LABELS, blank=_l("Choose…")),
        validators=[DataRequired(message=_l("Choose a reason for closing."))],
    )
    override_reason = long_text(
        _l("Why close the case while referrals are still open?"),
        2000,
        required=_l("Say why the case is closed with open referrals."),
    )


class ReferralFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        _l("Reference or partner's case number"),
        validators=[Optional(), Length(max=80), no_nul],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    status = SelectField(_l("Status"), choices=choices(STATUS_LABELS, blank=_l("Any")), default="")
    kind = SelectField(_l("Type"), choices=choices(KIND_LABELS, blank=_l("Any")), default="")
    partner = SelectField(_l("Partner"), validate_choice=False, default="")
    overdue = BooleanField(_l("Overdue only"))


# --- the partner's answers (portal; coordinators on the partner's behalf) ----------------------


class AcknowledgeForm(VersionedForm):
    pass


class AcceptForm(VersionedForm):
    note = long_text(_l("Note (optional)"), 2000)


class DeclineForm(VersionedForm):
    reason = long_text(_l("Why do you decline it?"), 2000, required=_l("Say why the referral is declined."))


class UpdateForm(VersionedForm):
    note = long_text(_l("Update"), 5000, required=_l("An update cannot be empty."))


class OutcomeForm(VersionedForm):
    outcome = SelectField(
        _l("Outcome"),
        choices=choices(OUTCOME_LABELS, blank=_l("Choose…")),
        validators=[InputRequired(message=_l("Choose the outcome."))],
    )
    note = long_text(_l("Details"), 5000)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        needs_note = self.outcome.data in (ReferralOutcome.NO_ACTION, ReferralOutcome.OTHER)
        if needs_note and not (self.note.data or "").strip():
            self.note.errors = [*self.note.errors, str(_l("Say why no action was taken, or what was done."))]
            ok = False
        return ok


class CaseNumberForm(FlaskForm):
    kind = SelectField(_l("Kind of number"), choices=choices(CASE_NUMBER_LABELS))
    number = StringField(
        _l("Number"),
        validators=[
            DataRequired(message=_l("Enter the number.")),
            Length(max=80, message=_l("At most %(max)d characters.")),
            no_nul,
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


# --- routing rules ------------------------------------------------------------------------------


class RuleForm(VersionedForm):
    creating = False  # set for a new rule, which has no version yet

    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(message=_l("Enter a short code.")),
            Length(max=40, message=_l("At most %(max)d characters.")),
            no_nul,
        ],
        description=_l("Lower case letters, digits and hyphens, e.g. minors-child-protection."),
    )
    name_es = StringField(
        _l("Name (Spanish)"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=200), no_nul]
    )
    name_en = StringField(
        _l("Name (English)"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=200), no_nul]
    )
    basis = long_text(_l("Basis (protocol, law)"), 1000)
    kind = SelectField(_l("Type of referral suggested"), choices=choices(KIND_LABELS))
    position = IntegerField(
        _l("Order"),
        default=100,
        validators=[InputRequired(message=_l("Enter a number.")), NumberRange(min=0, max=10000)],
    )
    is_active = BooleanField(_l("Active"), default=True)
    partners = MultiCheckboxField(_l("Suggest these partners"), validate_choice=False)
    exploitation_forms = MultiCheckboxField(_l("Forms of exploitation (any of)"), validate_choice=False)
    regions = MultiCheckboxField(_l("Regions (any of)"), validate_choice=False)
    risks = MultiCheckboxField(_l("Risk (any of)"), choices=choices(RISK_LABELS), validate_choice=False)
    indicators = MultiCheckboxField(
        _l("Indicators (any of)"), choices=choices(INDICATOR_LABELS), validate_choice=False
    )
    minors = SelectField(_l("Minors involved"), choices=sc(TRI_STATE))
    foreign_victims = SelectField(_l("Foreign victims"), choices=sc(TRI_STATE))
    peruvians_abroad = SelectField(_l("Peruvians exploited abroad"), choices=sc(TRI_STATE))
    adult_women = SelectField(_l("An adult woman among the victims"), choices=sc(TRI_STATE))

    def validate_version(self, field: Any) -> None:
        if not self.creating:
            super().validate_version(field)

    def validate_code(self, field: Any) -> None:
        value = (field.data or "").strip()
        if not value or any(not (c.isascii() and (c.isalnum() or c == "-")) for c in value):
            raise ValidationError(_l("Use lower case letters, digits and hyphens only."))

    def validate_partners(self, field: Any) -> None:
        valid = {str(c[0]) for c in field.choices or []}
        if not field.data:
            raise ValidationError(_l("Choose at least one partner organisation."))
        if set(field.data) - valid:
            raise ValidationError(_l("Unknown partner organisation."))
