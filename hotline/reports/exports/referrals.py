"""The referrals export: one row per referral sent (the partners' free text only when identifiable)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from hotline.cases.models import Case
from hotline.partners.models import Partner
from hotline.referrals.models import Referral
from hotline.reports import sql
from hotline.reports.conditions import referral_conditions
from hotline.reports.exports.common import Dataset, hours, local_time
from hotline.reports.filters import ReportFilter
from hotline.reports.tilemap import department_of


def _select(filters: ReportFilter, identifiable: bool) -> Select:
    offset = sql.offset_minutes(filters.start)
    case = aliased(Case)  # the conditions read Case in subqueries: keep this join apart
    columns = [
        Referral.id,
        sql.month_of(Referral.sent_at, offset).label("sent_month"),
        Referral.reference,
        case.reference.label("case_reference"),
        case.region_ubigeo.label("case_region"),
        Partner.code.label("partner_code"),
        Referral.kind,
        Referral.risk,
        Referral.status,
        Referral.sent_at,
        Referral.ack_due_at,
        Referral.acknowledged_at,
        Referral.answered_at,
        Referral.closed_at,
        Referral.revoked_at,
        sql.seconds_between(Referral.sent_at, Referral.acknowledged_at).label("ack_seconds"),
        Referral.outcome,
        (Referral.decline_reason.is_not(None)).label("declined"),
    ]
    if identifiable:
        columns += [Referral.decline_reason, Referral.outcome_note]
    return (
        select(*columns)
        .join(Partner, Partner.id == Referral.partner_id)
        .join(case, case.id == Referral.case_id)
    )


def _on_time(r: Any) -> bool | None:
    if r.acknowledged_at is None:
        return None
    return r.ack_due_at is None or r.acknowledged_at <= r.ack_due_at


def _accepted(r: Any) -> bool:
    return r.status in ("accepted", "closed") and not r.declined


def _row(r: Any, identifiable: bool) -> list[Any]:
    if identifiable:
        return [
            r.reference,
            r.case_reference,
            r.partner_code,
            r.kind,
            r.risk,
            r.status,
            local_time(r.sent_at),
            local_time(r.ack_due_at),
            local_time(r.acknowledged_at),
            local_time(r.answered_at),
            local_time(r.closed_at),
            local_time(r.revoked_at),
            hours(r.ack_seconds),
            _on_time(r),
            _accepted(r),
            bool(r.declined),
            r.outcome,
            r.decline_reason,
            r.outcome_note,
        ]
    return [
        r.sent_month,
        r.partner_code,
        r.kind,
        r.risk,
        r.status,
        hours(r.ack_seconds),
        _on_time(r),
        _accepted(r),
        bool(r.declined),
        r.outcome,
        department_of(r.case_region),
    ]


REFERRALS = Dataset(
    name="referrals",
    sheet="referrals",
    id_column=Referral.id,
    anonymised=(
        "sent_month",
        "partner_code",
        "kind",
        "risk",
        "status",
        "hours_to_acknowledge",
        "acknowledged_on_time",
        "accepted",
        "declined",
        "outcome",
        "case_department",
    ),
    identifiable=(
        "referral_reference",
        "case_reference",
        "partner_code",
        "kind",
        "risk",
        "status",
        "sent_at",
        "acknowledge_by",
        "acknowledged_at",
        "answered_at",
        "closed_at",
        "revoked_at",
        "hours_to_acknowledge",
        "acknowledged_on_time",
        "accepted",
        "declined",
        "outcome",
        "decline_reason",
        "outcome_note",
    ),
    select=_select,
    row=_row,
    conditions=referral_conditions,
)
