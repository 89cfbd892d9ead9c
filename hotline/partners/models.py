from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.database import TimestampMixin
from hotline.extensions import db


class PartnerKind(StrEnum):
    MINISTRY = "ministry"
    POLICE = "police"
    PROSECUTOR = "prosecutor"
    JUDICIARY = "judiciary"
    OMBUDSMAN = "ombudsman"
    LOCAL_GOV = "local_gov"
    CIVIL_SOCIETY = "civil_society"
    INTERNATIONAL = "international"


class Partner(TimestampMixin, db.Model):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name_es: Mapped[str] = mapped_column(String(300), nullable=False)
    name_en: Mapped[str] = mapped_column(String(300), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_es

    def __repr__(self) -> str:
        return f"<Partner {self.code}>"
