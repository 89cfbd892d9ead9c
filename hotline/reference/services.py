"""Loading the reference CSV files kept in hotline/reference/data (idempotent)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from importlib import resources
from typing import Any

from sqlalchemy import select

from hotline.extensions import db
from hotline.reference.models import ExploitationForm, Province, Region


def read_csv(name: str) -> Iterator[dict[str, str]]:
    text = resources.files("hotline.reference").joinpath("data", name).read_text("utf-8")
    yield from csv.DictReader(text.splitlines())


def upsert(model: type, key: str, rows: list[dict[str, Any]]) -> int:
    """Insert missing rows and update changed ones; return how many rows changed."""
    existing = {getattr(obj, key): obj for obj in db.session.scalars(select(model))}
    changed = 0
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            db.session.add(model(**row))
            changed += 1
            continue
        for field, value in row.items():
            if getattr(obj, field) != value:
                setattr(obj, field, value)
                changed += 1
    db.session.flush()
    return changed


def seed_reference() -> dict[str, int]:
    # Lima Metropolitana (1501) is listed as a region of its own beside the department of Lima.
    regions = [{"ubigeo": r["ubigeo"], "name": r["name"]} for r in read_csv("regions.csv")]
    provinces = [
        {"ubigeo": r["ubigeo"], "region_ubigeo": r["ubigeo"][:2], "name": r["province"]}
        for r in read_csv("ubigeo_provinces.csv")
    ]
    forms = [
        {"code": r["code"], "name_es": r["name_es"], "name_en": r["name_en"], "legal_basis": r["legal_basis"]}
        for r in read_csv("exploitation_types.csv")
    ]
    return {
        "regions": upsert(Region, "ubigeo", regions),
        "provinces": upsert(Province, "ubigeo", provinces),
        "exploitation_forms": upsert(ExploitationForm, "code", forms),
    }


def list_regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.name)))


def list_exploitation_forms() -> list[ExploitationForm]:
    return list(db.session.scalars(select(ExploitationForm).order_by(ExploitationForm.code)))


def list_provinces() -> list[Province]:
    """Every province, grouped by region then by name (for the place fields)."""
    return list(db.session.scalars(select(Province).order_by(Province.region_ubigeo, Province.name)))
