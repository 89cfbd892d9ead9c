"""The dashboard's referral section: statuses per partner, time to acknowledge, quality and outcomes."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from hotline.referrals.labels import STATUS_LABELS
from hotline.referrals.models import ReferralOutcome, ReferralStatus
from hotline.reports import charts, disclosure
from hotline.reports.dashboard import AckTimes, Dashboard, Quality
from hotline.reports.presenters.blocks import HALF, Table, period_label
from hotline.reports.presenters.names import Labels

ACK_DESC = _l(
    "Bars show the median hours from sending to acknowledgement; the dark line the 90th percentile."
)

# Outcomes as reports name them (the referral form's labels ask the partner for a reason).
OUTCOME_NAMES = {
    ReferralOutcome.VICTIM_ASSISTED.value: _l("Victim assisted"),
    ReferralOutcome.VICTIM_SHELTERED.value: _l("Victim sheltered"),
    ReferralOutcome.INVESTIGATION_OPENED.value: _l("Investigation opened"),
    ReferralOutcome.PROSECUTION.value: _l("Prosecution under way"),
    ReferralOutcome.NO_ACTION.value: _l("No action"),
    ReferralOutcome.OTHER.value: _l("Other outcome"),
}
# Referral statuses in lifecycle order (pending referrals are never counted: they were not sent).
REFERRAL_STATUSES = [s.value for s in ReferralStatus if s != ReferralStatus.PENDING]


def quality_header() -> list[str]:
    return [
        str(_l("Sent")),
        str(_l("Acknowledged on time")),
        str(_l("Late or overdue")),
        str(_l("Overdue now")),
        str(_l("Accepted")),
        str(_l("Declined")),
        str(_l("Outcome reported")),
        str(_l("Implemented")),
        str(_l("Successful")),
    ]


def quality_cells(q: Quality, publish: bool) -> list[str]:
    c, s = disclosure.count, disclosure.share
    return [
        c(q.counted, publish=publish),
        s(q.on_time, q.counted, publish=publish),
        s(q.missed, q.counted, publish=publish),
        c(q.overdue, publish=publish),
        s(q.accepted, q.counted, publish=publish),
        s(q.declined, q.counted, publish=publish),
        s(q.outcome, q.counted, publish=publish),
        s(q.implemented, q.counted, publish=publish),
        s(q.successful, q.counted, publish=publish),
    ]


def quality_table(d: Dashboard, labels: Labels, publish: bool) -> Table:
    return Table(
        str(_l("Referral quality by partner")),
        [str(_l("Partner")), *quality_header()],
        [[labels.partner(row.partner_id), *quality_cells(row.quality, publish)] for row in d.partners],
        [str(_l("All partners")), *quality_cells(d.referral_totals, publish)],
    )


def partner_status(d: Dashboard, labels: Labels, publish: bool) -> dict[str, Any]:
    title = str(_l("Referrals per partner, by status"))
    statuses = [s for s in REFERRAL_STATUSES if any(row.by_status.get(s) for row in d.partners)]
    names = [str(STATUS_LABELS.get(s, s)) for s in statuses]
    rows = [
        (
            labels.partner(row.partner_id),
            [disclosure.drawn(row.by_status.get(s, 0), publish=publish) for s in statuses],
        )
        for row in d.partners
    ]
    total = sum(row.sent for row in d.partners)
    chart = charts.stacked_bars(
        "ch-partners",
        title,
        str(
            _l(
                "%(total)s referrals sent to %(n)d partners.",
                total=disclosure.count(total, publish=publish),
                n=len(rows),
            )
        ),
        rows,
        names,
        shown=lambda n: disclosure.count(n, publish=publish),
        width=HALF,
    )
    table = Table(
        title,
        [str(_l("Partner")), *names, str(_l("Total"))],
        [
            [
                labels.partner(row.partner_id),
                *[disclosure.count(row.by_status.get(s, 0), publish=publish) for s in statuses],
                disclosure.count(row.sent, publish=publish),
            ]
            for row in d.partners
        ],
    )
    return {"chart": chart, "table": table}


def _ack_cells(name: str, ack: AckTimes, quality: Quality, publish: bool) -> list[str]:
    return [
        name,
        disclosure.count(ack.acknowledged, publish=publish),
        disclosure.hours(ack.median_seconds, ack.acknowledged, publish=publish),
        disclosure.hours(ack.p90_seconds, ack.acknowledged, publish=publish),
        disclosure.share(quality.missed, quality.counted, publish=publish),
        disclosure.count(quality.overdue, publish=publish),
    ]


def ack_block(d: Dashboard, labels: Labels, publish: bool) -> dict[str, Any]:
    title = str(_l("Time to acknowledge, by partner"))
    bars = []
    for row in d.partners:
        a = row.ack
        if a.median_seconds is None or (publish and a.acknowledged < disclosure.SMALL):
            continue
        median = disclosure.hours(a.median_seconds, a.acknowledged, publish=publish)
        p90 = disclosure.hours(a.p90_seconds, a.acknowledged, publish=publish)
        bars.append(
            charts.Bar(
                labels.partner(row.partner_id),
                a.median_seconds / 3600,
                str(_l("%(median)s (p90 %(p90)s)", median=median, p90=p90)),
                "s0",
                marker=(a.p90_seconds or 0) / 3600,
                marker_label=p90,
            )
        )
    chart = charts.bars(
        "ch-ack",
        title,
        str(ACK_DESC),
        bars,
        width=HALF,
        right=130,
    )
    table = Table(
        title,
        [
            str(_l("Partner")),
            str(_l("Acknowledged")),
            str(_l("Median")),
            str(_l("90th percentile")),
            str(_l("Late or overdue")),
            str(_l("Overdue now")),
        ],
        [_ack_cells(labels.partner(row.partner_id), row.ack, row.quality, publish) for row in d.partners],
        _ack_cells(str(_l("All partners")), d.ack_overall, d.referral_totals, publish),
    )
    return {"chart": chart, "table": table}


def quality_time(d: Dashboard, publish: bool) -> dict[str, Any]:
    title = str(_l("Referral quality over time"))
    months = [m for m, _ in d.quality_by_month]
    labels = [period_label(m + "-01", "month") for m in months]
    series = [
        (str(_l("Acknowledged on time")), "on_time"),
        (str(_l("Accepted")), "accepted"),
        (str(_l("Outcome reported")), "outcome"),
        (str(_l("Successful")), "successful"),
    ]
    values = [
        (
            name,
            [disclosure.percent(getattr(q, attr), q.counted, publish=publish) for _, q in d.quality_by_month],
        )
        for name, attr in series
    ]
    chart = charts.lines(
        "ch-quality",
        title,
        str(_l("Share of the referrals sent each month, in percent.")),
        months,
        labels,
        values,
        width=HALF,
    )
    table = Table(
        title,
        [str(_l("Month")), *quality_header()],
        [
            [label, *quality_cells(q, publish)]
            for label, (_m, q) in zip(labels, d.quality_by_month, strict=True)
        ],
    )
    return {"chart": chart, "table": table}
