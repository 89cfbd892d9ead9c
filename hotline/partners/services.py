"""Partner organisations: the directory seeded from the reference data."""

from __future__ import annotations

from sqlalchemy import select

from hotline.extensions import db
from hotline.partners.models import Partner, PartnerKind
from hotline.reference.services import read_csv, upsert


def seed_partners() -> int:
    rows = []
    for row in read_csv("partners.csv"):
        PartnerKind(row["kind"])  # an unknown kind in the file is a bug: fail loudly
        rows.append(
            {
                "code": row["code"],
                "name_es": row["name_es"],
                "name_en": row["name_en"],
                "kind": row["kind"],
                "role": row["role"],
            }
        )
    return upsert(Partner, "code", rows)


def get_partner_by_code(code: str) -> Partner | None:
    return db.session.scalar(select(Partner).where(Partner.code == code))
