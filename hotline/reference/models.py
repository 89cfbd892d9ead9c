from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db


class Region(db.Model):
    """A department of Peru (or Lima Metropolitana), keyed by its INEI ubigeo code."""

    __tablename__ = "regions"

    ubigeo: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)


class Province(db.Model):
    __tablename__ = "provinces"

    ubigeo: Mapped[str] = mapped_column(String(6), primary_key=True)
    region_ubigeo: Mapped[str] = mapped_column(ForeignKey("regions.ubigeo"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)


class ExploitationForm(db.Model):
    """A form of exploitation named by the penal code (art. 129-A and related)."""

    __tablename__ = "exploitation_forms"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_es: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str] = mapped_column(String(200), nullable=False)
    legal_basis: Mapped[str] = mapped_column(String(500), nullable=False, default="")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_es
