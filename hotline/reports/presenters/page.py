"""The dashboard page: key figures, then the contacts, cases, victims and referrals sections."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from hotline.calls.labels import CHANNEL_LABELS
from hotline.calls.labels import KIND_LABELS as CALL_KIND_LABELS
from hotline.cases.labels import CLOSE_REASON_LABELS, GENDER_LABELS
from hotline.reports import disclosure, tilemap
from hotline.reports.dashboard import Dashboard
from hotline.reports.presenters import referrals
from hotline.reports.presenters.blocks import HALF, THIRD, bar_block, count_table, time_block
from hotline.reports.presenters.names import NOT_RECORDED, Labels, label


def build_page(d: Dashboard, labels: Labels, *, publish: bool) -> dict[str, Any]:
    return {
        "key_figures": key_figures(d, publish),
        **contacts(d, publish),
        **cases(d, labels, publish),
        **victims(d, labels, publish),
        **referral_section(d, labels, publish),
    }


def key_figures(d: Dashboard, publish: bool) -> list[tuple[Any, str]]:
    c = disclosure.count
    q, ack = d.referral_totals, d.ack_overall
    return [
        (_l("Contacts"), c(d.contacts_by_channel.total, publish=publish)),
        (_l("Cases opened"), c(d.cases["total"], publish=publish)),
        (_l("Cases involving minors"), c(d.cases["with_minors"], publish=publish)),
        (_l("Victims recorded"), c(d.victims["total"], publish=publish)),
        (_l("of whom minors"), c(d.victims["minors"], publish=publish)),
        (_l("Referrals sent"), c(q.counted, publish=publish)),
        (_l("Acknowledged on time"), disclosure.share(q.on_time, q.counted, publish=publish)),
        (
            _l("Median time to acknowledge"),
            disclosure.hours(ack.median_seconds, ack.acknowledged, publish=publish),
        ),
    ]


def contacts(d: Dashboard, publish: bool) -> dict[str, Any]:
    period = d.filters.period
    return {
        "contacts_channel": time_block(
            "ch-channel",
            str(_l("Contacts by channel")),
            d.contacts_by_channel,
            CHANNEL_LABELS,
            period,
            publish,
        ),
        "contacts_kind": time_block(
            "ch-kind", str(_l("Contacts by kind")), d.contacts_by_kind, CALL_KIND_LABELS, period, publish
        ),
    }


def cases(d: Dashboard, labels: Labels, publish: bool) -> dict[str, Any]:
    map_title = str(_l("Cases by region"))
    return {
        "forms": bar_block(
            "ch-forms",
            str(_l("Cases by form of exploitation")),
            str(_l("Form of exploitation")),
            d.cases_by_form,
            labels.form,
            publish,
        ),
        "forms_note": _l(
            "A case can involve more than one form: the bars can add up to more than the cases."
        ),
        "map": tilemap.build(
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
        ),
        # Lima Metropolitana is listed on its own (it is inside Lima on the map).
        "regions": count_table(
            d.cases_by_region, map_title, str(_l("Region")), labels.region, publish, number=str(_l("Cases"))
        ),
        "close_reasons": count_table(
            d.cases_by_close_reason,
            str(_l("Closed cases by reason")),
            str(_l("Reason")),
            lambda key: label(CLOSE_REASON_LABELS, key),
            publish,
        ),
    }


def victims(d: Dashboard, labels: Labels, publish: bool) -> dict[str, Any]:
    return {
        "gender": bar_block(
            "ch-gender",
            str(_l("Victims by sex / gender")),
            str(_l("Sex / gender")),
            d.victims_by_gender,
            lambda key: label(GENDER_LABELS, key),
            publish,
            width=THIRD,
        ),
        "age": bar_block(
            "ch-age",
            str(_l("Victims by age")),
            str(_l("Age")),
            d.victims_by_age,
            lambda key: key if key else str(NOT_RECORDED),
            publish,
            width=THIRD,
        ),
        "nationality": bar_block(
            "ch-nationality",
            str(_l("Victims by nationality")),
            str(_l("Nationality")),
            d.victims_by_nationality,
            labels.country,
            publish,
            width=THIRD,
        ),
    }


def referral_section(d: Dashboard, labels: Labels, publish: bool) -> dict[str, Any]:
    return {
        "partners_status": referrals.partner_status(d, labels, publish),
        "ack": referrals.ack_block(d, labels, publish),
        "quality_table": referrals.quality_table(d, labels, publish),
        "quality_time": referrals.quality_time(d, publish),
        "outcomes": bar_block(
            "ch-outcomes",
            str(_l("Referral outcomes")),
            str(_l("Outcome")),
            d.outcomes,
            lambda key: label(referrals.OUTCOME_NAMES, key),
            publish,
            width=HALF,
        ),
    }
