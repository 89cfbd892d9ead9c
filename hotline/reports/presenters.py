"""Turn report figures into what the templates show: labelled charts and tables, in the user's language.

`publish=True` is the version for publication: every count below 3 is written "<3" and drawn as
nothing (see `disclosure`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from hotline.calls.labels import CHANNEL_LABELS
from hotline.calls.labels import KIND_LABELS as CALL_KIND_LABELS
from hotline.cases.labels import CLOSE_REASON_LABELS, GENDER_LABELS
from hotline.reference.labels import country_name
from hotline.referrals.labels import STATUS_LABELS
from hotline.referrals.models import ReferralOutcome, ReferralStatus
from hotline.reports import charts, disclosure, tilemap
from hotline.reports.dashboard import UNKNOWN, Dashboard, Quality, TimeSeries

NOT_RECORDED = _l("Not recorded")
HALF, THIRD = 560, 360  # natural widths of the charts (px), so their text prints at its real size
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
REFERRAL_STATUSES = [
    ReferralStatus.SENT.value,
    ReferralStatus.ACKNOWLEDGED.value,
    ReferralStatus.ACCEPTED.value,
    ReferralStatus.DECLINED.value,
    ReferralStatus.CLOSED.value,
    ReferralStatus.REVOKED.value,
]


@dataclass
class Labels:
    locale: str
    regions: dict[str, str]
    forms: dict[str, str]
    partners: dict[int, tuple[str, str]]  # id -> (code, name)

    def region(self, code: str) -> str:
        return self.regions.get(code, code) if code else str(NOT_RECORDED)

    def form(self, code: str) -> str:
        return self.forms.get(code, code) if code else str(_l("No form recorded"))

    def partner(self, partner_id: int) -> str:
        code, name = self.partners.get(partner_id, (str(partner_id), str(partner_id)))
        return f"{name} ({code})"

    def partner_code(self, partner_id: int) -> str:
        return self.partners.get(partner_id, (str(partner_id), ""))[0]

    def country(self, code: str) -> str:
        return country_name(code, self.locale) if code else str(NOT_RECORDED)


def _label(labels: dict[Any, Any], key: str) -> str:
    if key == UNKNOWN:
        return str(NOT_RECORDED)
    return str(labels.get(key, key))


def period_label(key: str, period: str) -> str:
    day = date.fromisoformat(key)
    if period == "month":
        return format_date(day, "MMM y")
    return format_date(day, "d MMM")


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]
    footer: list[str] | None = None
    first_column_header: bool = True


def time_table(series: TimeSeries, caption: str, labels: dict[Any, Any], period: str, publish: bool) -> Table:
    c = disclosure.count
    rows = [
        [
            period_label(p, period),
            *[c(series.value(p, k), publish=publish) for k in series.keys],
            c(series.period_total(p), publish=publish),
        ]
        for p in series.periods
    ]
    footer = [
        str(_l("Total")),
        *[c(series.key_total(k), publish=publish) for k in series.keys],
        c(series.total, publish=publish),
    ]
    return Table(
        caption,
        [str(_l("Period")), *[_label(labels, k) for k in series.keys], str(_l("Total"))],
        rows,
        footer,
    )


def time_chart(
    chart_id: str, title: str, series: TimeSeries, labels: dict[Any, Any], period: str, publish: bool
) -> charts.Chart:
    def value(p: str, k: str) -> int:
        v = series.value(p, k)
        return 0 if disclosure.is_suppressed(v, publish=publish) else v

    desc = str(
        _l(
            "%(total)s in total over %(n)d periods.",
            total=disclosure.count(series.total, publish=publish),
            n=len(series.periods),
        )
    )
    return charts.stacked_columns(
        chart_id,
        title,
        desc,
        series.periods,
        [period_label(p, period) for p in series.periods],
        [(k, _label(labels, k)) for k in series.keys],
        value,
        width=HALF,
    )


def count_rows(rows: list[tuple[str, int]], name: Any, publish: bool) -> list[charts.Bar]:
    total = sum(n for _, n in rows) or 1
    bars = []
    for key, n in rows:
        shown = disclosure.count(n, publish=publish)
        value = 0 if disclosure.is_suppressed(n, publish=publish) else n
        share = disclosure.share(n, total, publish=publish)
        text = f"{shown} ({share})" if share != disclosure.NOT_SHOWN else shown
        bars.append(charts.Bar(name(key), value, text, charts.series_class(0 if key else 7)))
    return bars


def count_table(rows: list[tuple[str, int]], caption: str, column: str, name: Any, publish: bool) -> Table:
    total = sum(n for _, n in rows)
    body = [
        [name(key), disclosure.count(n, publish=publish), disclosure.share(n, total, publish=publish)]
        for key, n in rows
    ]
    return Table(
        caption,
        [column, str(_l("Number")), str(_l("Share"))],
        body,
        [str(_l("Total")), disclosure.count(total, publish=publish), "100 %" if total else "—"],
    )


def bar_block(
    chart_id: str,
    title: str,
    column: str,
    rows: list[tuple[str, int]],
    name: Any,
    publish: bool,
    *,
    width: int = HALF,
) -> dict[str, Any]:
    total = sum(n for _, n in rows)
    desc = str(
        _l(
            "%(total)s in total, in %(n)d groups.",
            total=disclosure.count(total, publish=publish),
            n=len(rows),
        )
    )
    return {
        "chart": charts.bars(chart_id, title, desc, count_rows(rows, name, publish), width=width),
        "table": count_table(rows, title, column, name, publish),
    }


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


def build_page(d: Dashboard, labels: Labels, *, publish: bool) -> dict[str, Any]:
    c = disclosure.count
    period = d.filters.period
    page: dict[str, Any] = {"publish": publish}

    # Key figures.
    q = d.referral_totals
    page["key_figures"] = [
        (_l("Contacts"), c(d.contacts_by_channel.total, publish=publish)),
        (_l("Cases opened"), c(d.cases["total"], publish=publish)),
        (_l("Cases involving minors"), c(d.cases["with_minors"], publish=publish)),
        (_l("Victims recorded"), c(d.victims["total"], publish=publish)),
        (_l("of whom minors"), c(d.victims["minors"], publish=publish)),
        (_l("Referrals sent"), c(q.counted, publish=publish)),
        (_l("Acknowledged on time"), disclosure.share(q.on_time, q.counted, publish=publish)),
        (
            _l("Median time to acknowledge"),
            disclosure.hours(d.ack_overall.median_seconds, d.ack_overall.acknowledged, publish=publish),
        ),
    ]

    # Contacts over time.
    page["contacts_channel"] = {
        "chart": time_chart(
            "ch-channel",
            str(_l("Contacts by channel")),
            d.contacts_by_channel,
            CHANNEL_LABELS,
            period,
            publish,
        ),
        "table": time_table(
            d.contacts_by_channel, str(_l("Contacts by channel")), CHANNEL_LABELS, period, publish
        ),
    }
    page["contacts_kind"] = {
        "chart": time_chart(
            "ch-kind", str(_l("Contacts by kind")), d.contacts_by_kind, CALL_KIND_LABELS, period, publish
        ),
        "table": time_table(
            d.contacts_by_kind, str(_l("Contacts by kind")), CALL_KIND_LABELS, period, publish
        ),
    }

    # Cases.
    page["forms"] = bar_block(
        "ch-forms",
        str(_l("Cases by form of exploitation")),
        str(_l("Form of exploitation")),
        d.cases_by_form,
        labels.form,
        publish,
    )
    page["forms_note"] = _l(
        "A case can involve more than one form: the bars can add up to more than the cases."
    )
    map_title = str(_l("Cases by region"))
    page["map"] = tilemap.build(
        d.cases_by_region,
        map_title,
        str(
            _l(
                "Map of Peru's departments, each a square placed roughly where it lies, "
                "shaded by the number of cases."
            )
        ),
        suppress_below=disclosure.SMALL if publish else 0,
        selected=d.filters.region,
    )
    page["regions"] = region_table(d.cases_by_region, labels, map_title, publish)
    page["close_reasons"] = count_table(
        d.cases_by_close_reason,
        str(_l("Closed cases by reason")),
        str(_l("Reason")),
        lambda key: _label(CLOSE_REASON_LABELS, key),
        publish,
    )

    # Victims.
    page["gender"] = bar_block(
        "ch-gender",
        str(_l("Victims by sex / gender")),
        str(_l("Sex / gender")),
        d.victims_by_gender,
        lambda key: _label(GENDER_LABELS, key),
        publish,
        width=THIRD,
    )
    page["age"] = bar_block(
        "ch-age",
        str(_l("Victims by age")),
        str(_l("Age")),
        d.victims_by_age,
        lambda key: key if key else str(NOT_RECORDED),
        publish,
        width=THIRD,
    )
    page["nationality"] = bar_block(
        "ch-nationality",
        str(_l("Victims by nationality")),
        str(_l("Nationality")),
        d.victims_by_nationality,
        labels.country,
        publish,
        width=THIRD,
    )

    # Referrals.
    page["partners_status"] = partner_status(d, labels, publish)
    page["ack"] = ack_block(d, labels, publish)
    page["quality_table"] = Table(
        str(_l("Referral quality by partner")),
        [str(_l("Partner")), *quality_header()],
        [[labels.partner(row.partner_id), *quality_cells(row.quality, publish)] for row in d.partners],
        [str(_l("All partners")), *quality_cells(d.referral_totals, publish)],
    )
    page["quality_time"] = quality_time(d, publish)
    page["outcomes"] = bar_block(
        "ch-outcomes",
        str(_l("Referral outcomes")),
        str(_l("Outcome")),
        d.outcomes,
        lambda key: _label(OUTCOME_NAMES, key),
        publish,
        width=HALF,
    )
    return page


def region_table(rows: list[tuple[str, int]], labels: Labels, caption: str, publish: bool) -> Table:
    """Regions by count; Lima Metropolitana listed on its own (it is inside Lima on the map)."""
    total = sum(n for _, n in rows)
    body = [
        [
            labels.region(code),
            disclosure.count(n, publish=publish),
            disclosure.share(n, total, publish=publish),
        ]
        for code, n in rows
    ]
    return Table(
        caption,
        [str(_l("Region")), str(_l("Cases")), str(_l("Share"))],
        body,
        [str(_l("Total")), disclosure.count(total, publish=publish), "100 %" if total else "—"],
    )


def partner_status(d: Dashboard, labels: Labels, publish: bool) -> dict[str, Any]:
    title = str(_l("Referrals per partner, by status"))
    statuses = [s for s in REFERRAL_STATUSES if any(row.by_status.get(s) for row in d.partners)]
    names = [str(STATUS_LABELS.get(s, s)) for s in statuses]

    def drawn(n: int) -> int:
        return 0 if disclosure.is_suppressed(n, publish=publish) else n

    rows = [
        (labels.partner(row.partner_id), [drawn(row.by_status.get(s, 0)) for s in statuses])
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
        str(
            _l(
                "Bars show the median hours from sending to acknowledgement; "
                "the dark line the 90th percentile."
            )
        ),
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
        [
            [
                labels.partner(row.partner_id),
                disclosure.count(row.ack.acknowledged, publish=publish),
                disclosure.hours(row.ack.median_seconds, row.ack.acknowledged, publish=publish),
                disclosure.hours(row.ack.p90_seconds, row.ack.acknowledged, publish=publish),
                disclosure.share(row.quality.missed, row.quality.counted, publish=publish),
                disclosure.count(row.quality.overdue, publish=publish),
            ]
            for row in d.partners
        ],
        [
            str(_l("All partners")),
            disclosure.count(d.ack_overall.acknowledged, publish=publish),
            disclosure.hours(d.ack_overall.median_seconds, d.ack_overall.acknowledged, publish=publish),
            disclosure.hours(d.ack_overall.p90_seconds, d.ack_overall.acknowledged, publish=publish),
            disclosure.share(d.referral_totals.missed, d.referral_totals.counted, publish=publish),
            disclosure.count(d.referral_totals.overdue, publish=publish),
        ],
    )
    return {"chart": chart, "table": table}


def quality_time(d: Dashboard, publish: bool) -> dict[str, Any]:
    title = str(_l("Referral quality over time"))
    months = [m for m, _ in d.quality_by_month]
    labels = [format_date(date.fromisoformat(m + "-01"), "MMM y") for m in months]
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


def load_labels(locale: str) -> Labels:
    """Names of regions, forms of exploitation and partners (three small queries)."""
    from sqlalchemy import select

    from hotline.extensions import db
    from hotline.partners.models import Partner
    from hotline.reference.models import ExploitationForm, Region

    regions = {code: name for code, name in db.session.execute(select(Region.ubigeo, Region.name))}
    forms = {
        code: (en if locale == "en" else es)
        for code, es, en in db.session.execute(
            select(ExploitationForm.code, ExploitationForm.name_es, ExploitationForm.name_en)
        )
    }
    partners = {
        pid: (code, en if locale == "en" else es)
        for pid, code, es, en in db.session.execute(
            select(Partner.id, Partner.code, Partner.name_es, Partner.name_en).order_by(Partner.code)
        )
    }
    return Labels(locale, regions, forms, partners)


def region_choices(labels: Labels) -> list[tuple[str, str]]:
    """Departments in ubigeo order, Lima Metropolitana right after Lima."""
    return sorted(labels.regions.items(), key=lambda item: (item[0][:2], len(item[0])))


def form_choices(labels: Labels) -> list[tuple[str, str]]:
    return sorted(labels.forms.items(), key=lambda item: item[1].lower())


def partner_choices(labels: Labels) -> list[tuple[int, str]]:
    return sorted(
        ((pid, f"{name} ({code})") for pid, (code, name) in labels.partners.items()),
        key=lambda item: item[1].lower(),
    )
