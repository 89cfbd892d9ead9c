"""Forms for referrals, the partner portal and routing rules (the labels of their codes are in labels.py)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
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

TRI_STATE = [("", _l("Does not matter")), ("yes", _l("Yes")), ("no", _l("No"))]


# --- the coordinator's referral form ------------------------------------------------------------


class ReferralForm(FlaskForm):
    """Send a case to partners. One checkbox and one type per partner are added at run time."""

    form_token = HiddenField()
    summary = long_text(
        _l("Summary for the partner"),
        5000,
        required=_l("Write a summary for the partner."),
        description=_l(
            "What the partner needs to know to act. Leave out names, numbers and addresses "
            "unless you share them below."
        ),
    )
    share_place = BooleanField(_l("The place (address, landmark, business name)"))
    share_identities = BooleanField(_l("Identities of the chosen victims (name, exact age, document)"))
    share_contacts = BooleanField(_l("Contact details of the chosen victims (phone, address)"))
    share_suspects = BooleanField(_l("Details of the suspects"))
    victims = MultiCheckboxField(_l("Victims whose details are shared"), validate_choice=False, coerce=int)
    override_consent = BooleanField(_l("Share without recorded consent (override)"))
    override_reason = long_text(
        _l("Reason for the override"),
        1000,
        description=_l("Recorded on the referral and in the audit trail."),
    )

    partner_ids: list[int]

    def validate_victims(self, field: Any) -> None:
        valid = {int(c[0]) for c in field.choices or []}
        if set(field.data or []) - valid:
            raise ValidationError(_l("Only the victims of this case can be chosen."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.override_consent.data and not (self.override_reason.data or "").strip():
            self.override_reason.errors = [
                *self.override_reason.errors,
                str(_l("Give the reason for the override.")),
            ]
            ok = False
        return ok

    def partner_field(self, partner_id: int) -> Any:
        return self[f"p_{partner_id}"]

    def kind_field(self, partner_id: int) -> Any:
        return self[f"k_{partner_id}"]

    def chosen(self) -> list[tuple[int, str]]:
        return [(pid, self.kind_field(pid).data) for pid in self.partner_ids if self.partner_field(pid).data]

    def start(self, *, summary: str, kinds: dict[int, str], ticked: set[int], victims: list[int]) -> None:
        """The form as first shown: a fresh token, the summary, each partner's type and tick."""
        self.form_token.data = new_form_token()
        self.summary.data = summary
        for pid in self.partner_ids:
            self.partner_field(pid).data = pid in ticked
            self.kind_field(pid).data = kinds[pid]
        self.victims.data = victims

    def sharing(self) -> ShareChoice:
        """What the coordinator chose to share; the override reason counts only when ticked."""
        override = (self.override_reason.data or None) if self.override_consent.data else None
        return ShareChoice(
            summary=self.summary.data or "",
            share_place=bool(self.share_place.data),
            share_identities=bool(self.share_identities.data),
            share_contacts=bool(self.share_contacts.data),
            share_suspects=bool(self.share_suspects.data),
            person_ids=tuple(self.victims.data or ()),
            override_reason=override,
        )


def referral_form_class(partner_ids: Sequence[int]) -> type[ReferralForm]:
    """A ReferralForm with a checkbox `p_<id>` and a type `k_<id>` for each partner offered."""
    attrs: dict[str, Any] = {"partner_ids": list(partner_ids)}
    kinds = choices(KIND_LABELS)
    for pid in partner_ids:
        attrs[f"p_{pid}"] = BooleanField(_l("Refer"))
        attrs[f"k_{pid}"] = SelectField(_l("Type"), choices=kinds, default=ReferralKind.SERVICES.value)
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
