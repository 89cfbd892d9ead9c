"""What the referral form offers for a case: the partners the rules suggest (each with why), the
other active partners, each one's default type, what is ticked at first, and the victims whose
details may be shared; and the preview of what each chosen partner would be shown. The form
shows these; `create_referrals` applies the rules again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import gettext as _

from hotline.cases.labels import CONSENT_LABELS
from hotline.cases.models import Case, Consent, Person
from hotline.partners.models import Partner, PartnerKind
from hotline.partners.services import list_partners
from hotline.referrals.models import Referral, ReferralKind
from hotline.referrals.services.common import OPEN_STATUSES
from hotline.referrals.services.lifecycle import PartnerChoice
from hotline.referrals.services.queries import list_case_referrals
from hotline.referrals.services.rules import Suggestion, suggest_partners
from hotline.referrals.services.sharing import ShareChoice, SharingReview, review_sharing, victims_of

LAW_ENFORCEMENT_KINDS = frozenset({PartnerKind.POLICE, PartnerKind.PROSECUTOR, PartnerKind.JUDICIARY})
# Law-enforcement bodies that protect or care for victims rather than investigate (the prosecutor's
# victim and witness unit): their referrals are for services. The config's REFERRAL_SERVICE_UNITS
# (partner codes) replaces this list.
DEFAULT_SERVICE_UNITS = ("MP-UDAVIT",)


def service_units() -> frozenset[str]:
    codes = DEFAULT_SERVICE_UNITS
    if has_app_context():
        codes = current_app.config.get("REFERRAL_SERVICE_UNITS", codes)
    return frozenset(codes)


def default_kind(partner: Partner) -> str:
    """The type of referral a partner no rule suggested gets, unless the coordinator changes it."""
    if partner.kind in LAW_ENFORCEMENT_KINDS and partner.code not in service_units():
        return ReferralKind.LAW_ENFORCEMENT.value
    return ReferralKind.SERVICES.value


@dataclass
class ReferralOptions:
    suggestions: list[Suggestion]  # suggested by the rules, the unavailable ones last
    others: list[Partner]  # every other active partner
    victims: list[Person]
    existing: list[Referral]  # the case's referrals so far

    @property
    def partner_ids(self) -> list[int]:
        return [s.partner.id for s in self.suggestions] + [p.id for p in self.others]

    @property
    def open_by_partner(self) -> dict[int, Referral]:
        return {r.partner_id: r for r in self.existing if r.status in OPEN_STATUSES}

    def default_kinds(self) -> dict[int, str]:
        kinds = {p.id: default_kind(p) for p in self.others}
        kinds.update({s.partner.id: s.kind for s in self.suggestions})
        return kinds

    def preselected(self) -> set[int]:
        """The suggested partners that can receive the case and hold no open referral of it."""
        busy = self.open_by_partner
        return {s.partner.id for s in self.suggestions if s.unavailable is None and s.partner.id not in busy}

    def consenting_victims(self) -> list[int]:
        """The victims ticked at first: those who agreed to share their details."""
        return [v.id for v in self.victims if v.consent == Consent.YES]

    def victim_choices(self) -> list[tuple[int, str]]:
        choices = []
        for number, person in enumerate(self.victims, 1):
            name = person.name or person.alias or _("name not known")
            consent = CONSENT_LABELS.get(person.consent, person.consent)  # type: ignore[call-overload]
            label = _("Victim %(n)d: %(name)s — consent: %(consent)s", n=number, name=name, consent=consent)
            choices.append((person.id, label))
        return choices

    def choices(self, chosen: Sequence[tuple[int, str, ShareChoice]]) -> list[PartnerChoice]:
        """The (partner id, type, sharing) ticked on the form, each with the rules that suggested it."""
        rules = {s.partner.id: tuple(s.rule_codes) for s in self.suggestions}
        return [PartnerChoice(pid, kind, rules.get(pid, ()), sharing) for pid, kind, sharing in chosen]

    def partner(self, partner_id: int) -> Partner | None:
        for suggestion in self.suggestions:
            if suggestion.partner.id == partner_id:
                return suggestion.partner
        return next((p for p in self.others if p.id == partner_id), None)


@dataclass
class PartnerPreview:
    """What one chosen partner would be shown (its snapshot, rendered like its portal page) and
    why it could not be sent as it stands."""

    partner: Partner
    kind: str
    review: SharingReview

    @property
    def shared(self) -> dict:  # type: ignore[type-arg]
        return self.review.plan.snapshot

    @property
    def problems(self) -> list[str]:
        return [str(p) for p in self.review.problems]


def preview_referrals(
    case: Case, options: ReferralOptions, *, partners: Sequence[PartnerChoice], summary: str
) -> list[PartnerPreview]:
    """The snapshot each chosen partner would get from this form, nothing saved or sent."""
    previews = []
    for choice in partners:
        partner = options.partner(choice.partner_id)
        if partner is not None:
            previews.append(
                PartnerPreview(partner, choice.kind, review_sharing(case, summary, choice.sharing))
            )
    return previews


def referral_options(case: Case, *, locale: str) -> ReferralOptions:
    suggestions = suggest_partners(case, locale=locale)
    suggested = {s.partner.id for s in suggestions}
    return ReferralOptions(
        suggestions=suggestions,
        others=[p for p in list_partners(active_only=True) if p.id not in suggested],
        victims=victims_of(case),
        existing=list_case_referrals(case.id),
    )
