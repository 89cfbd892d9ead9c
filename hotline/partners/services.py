"""The partner directory: seeding, listing and the admin's edits."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from hotline.audit import services as audit
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.partners.models import Partner, PartnerKind
from hotline.reference.models import ExploitationForm, Region
from hotline.reference.services import read_csv


class PartnerError(HotlineError):
    pass


def seed_partners() -> int:
    """Insert the partners of the reference file that are missing; never overwrite edits."""
    existing = set(db.session.scalars(select(Partner.code)))
    added = 0
    for row in read_csv("partners.csv"):
        if row["code"] in existing:
            continue
        PartnerKind(row["kind"])  # an unknown kind in the file is a bug: fail loudly
        db.session.add(
            Partner(
                code=row["code"],
                name_es=row["name_es"],
                name_en=row["name_en"],
                kind=row["kind"],
                role=row["role"],
                handles_minors=row["handles_minors"] == "1",
                handles_foreigners=row["handles_foreigners"] == "1",
                handles_abroad=row["handles_abroad"] == "1",
                is_24_7=row["is_24_7"] == "1",
            )
        )
        added += 1
    db.session.flush()
    return added


def get_partner_by_code(code: str) -> Partner | None:
    return db.session.scalar(select(Partner).where(Partner.code == code))


def list_partners(*, active_only: bool = False) -> list[Partner]:
    query = (
        select(Partner)
        .options(selectinload(Partner.regions), selectinload(Partner.exploitation_forms))
        .order_by(Partner.code)
    )
    if active_only:
        query = query.where(Partner.is_active)
    return list(db.session.scalars(query))


def count_focal_points() -> dict[int, int]:
    """Active partner users per partner id (one query).

    Accounts belong to the floor above (auth), whose `users.partner_id` points here; the table is
    read by name so that this floor imports nothing from above it.
    """
    users = db.metadata.tables["users"]
    rows = db.session.execute(
        select(users.c.partner_id, func.count())
        .where(users.c.partner_id.is_not(None), users.c.is_active.is_(True))
        .group_by(users.c.partner_id)
    )
    return {key: count for key, count in rows}


@dataclass(frozen=True)
class PartnerData:
    code: str
    name_es: str
    name_en: str
    kind: PartnerKind
    role: str = ""
    is_active: bool = True
    handles_minors: bool = False
    handles_foreigners: bool = False
    handles_abroad: bool = False
    is_24_7: bool = False
    office_hours: str = ""
    phone: str | None = None
    email: str | None = None
    region_codes: tuple[str, ...] = ()
    form_codes: tuple[str, ...] = ()


_FIELDS = (
    "name_es",
    "name_en",
    "kind",
    "role",
    "is_active",
    "handles_minors",
    "handles_foreigners",
    "handles_abroad",
    "is_24_7",
    "office_hours",
    "phone",
    "email",
)


def save_partner(partner: Partner | None, data: PartnerData, *, actor: object) -> Partner:
    """Create (partner=None) or update a partner; the audit row lists the changed fields."""
    code = data.code.strip().upper()
    clash = get_partner_by_code(code)
    if clash is not None and clash is not partner:
        raise PartnerError(_l("A partner with this code already exists."))
    creating = partner is None
    if partner is None:
        partner = Partner(code=code)
        db.session.add(partner)
    changed = [] if creating else [f for f in _FIELDS if getattr(partner, f) != getattr(data, f)]
    if not creating and partner.code != code:
        changed.append("code")
    partner.code = code
    for field in _FIELDS:
        value = getattr(data, field)
        setattr(partner, field, value.value if isinstance(value, PartnerKind) else value)
    regions = list(db.session.scalars(select(Region).where(Region.ubigeo.in_(data.region_codes))))
    forms = list(
        db.session.scalars(select(ExploitationForm).where(ExploitationForm.code.in_(data.form_codes)))
    )
    if not creating and {r.ubigeo for r in partner.regions} != {r.ubigeo for r in regions}:
        changed.append("regions")
    if not creating and {f.code for f in partner.exploitation_forms} != {f.code for f in forms}:
        changed.append("exploitation_forms")
    partner.regions = regions
    partner.exploitation_forms = forms
    db.session.flush()
    audit.record(
        "partner.create" if creating else "partner.update",
        actor=actor,
        object_type="partner",
        object_id=partner.id,
        summary="" if creating else "changed: " + ", ".join(changed),
    )
    return partner
