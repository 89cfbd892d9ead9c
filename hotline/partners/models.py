from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.database import TimestampMixin
from hotline.extensions import db
from hotline.reference.models import ExploitationForm, Region


class PartnerKind(StrEnum):
    MINISTRY = "ministry"
    POLICE = "police"
    PROSECUTOR = "prosecutor"
    JUDICIARY = "judiciary"
    OMBUDSMAN = "ombudsman"
    LOCAL_GOV = "local_gov"
    CIVIL_SOCIETY = "civil_society"
    INTERNATIONAL = "international"


partner_regions = Table(
    "partner_regions",
    db.metadata,
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
    Column("region_ubigeo", ForeignKey("regions.ubigeo"), primary_key=True),
)

partner_exploitation_forms = Table(
    "partner_exploitation_forms",
    db.metadata,
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
    Column("form_code", ForeignKey("exploitation_forms.code"), primary_key=True),
)


class Partner(TimestampMixin, db.Model):
    """An organisation that receives referrals. No regions / forms listed means: all of them."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name_es: Mapped[str] = mapped_column(String(300), nullable=False)
    name_en: Mapped[str] = mapped_column(String(300), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    # Populations it handles.
    handles_minors: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    handles_foreigners: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default="0"
    )
    handles_abroad: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    # Availability and contact (institutional: never a victim's data).
    is_24_7: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    office_hours: Mapped[str] = mapped_column(String(200), nullable=False, default="", server_default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))

    regions: Mapped[list[Region]] = relationship(secondary=partner_regions, order_by=Region.name)
    exploitation_forms: Mapped[list[ExploitationForm]] = relationship(
        secondary=partner_exploitation_forms, order_by=ExploitationForm.code
    )

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_es

    @property
    def is_national(self) -> bool:
        return not self.regions

    def __repr__(self) -> str:
        return f"<Partner {self.code}>"
