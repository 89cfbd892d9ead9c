"""The dashboard's version for publication, drawn from a suppressed `Release` (see `publication`).

Same sections as the staff dashboard, but every number is a cell of the release: "<3" for a count
below 3, "x" for a count hidden so that a small one cannot be worked out, shares only of two
published counts, and medians only where the count they rest on is published. Every category is
listed, empty ones included, so that a row's presence says nothing. Referral statuses and the
referrals overdue now are left out (the release holds the working group's figures instead).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from hotline.calls.labels import CHANNEL_LABELS
from hotline.calls.labels import KIND_LABELS as CALL_KIND_LABELS
from hotline.cases.labels import CLOSE_REASON_LABELS, GENDER_LABELS
from hotline.reports import charts, disclosure, tilemap
from hotline.reports.presenters.blocks import HALF, THIRD, Table, period_label
from hotline.reports.presenters.names import NOT_RECORDED, Labels, label
from hotline.reports.presenters.referrals import ACK_DESC, OUTCOME_NAMES, quality_header
from hotline.reports.publication import Release
from hotline.reports.publication.release import ALL, LIMA_TILE, MINORS, OTHER_COUNTRY

Key = tuple[str, ...]


def _children(release: Release, cube: str, dim: str, node: str = ALL) -> list[str]:
    for d in release.cubes[cube].dims:
        if d.name == dim:
            return list(d.tree.get(node, ()))
    raise KeyError(dim)


def key_figures(r: Release) -> list[tuple[Any, str]]:
    counted = r.key("referrals")
    return [
        (_l("Contacts"), r.shown(r.key("contacts"))),
        (_l("Cases opened"), r.shown(r.key("cases"))),
        (_l("Cases involving minors"), r.shown(r.key("cases", minors="yes"))),
        (_l("Victims recorded"), r.shown(r.key("victims"))),
        (_l("of whom minors"), r.shown(r.key("victims", band=MINORS))),
        (_l("Referrals sent"), r.shown(counted)),
        (_l("Acknowledged on time"), r.share(r.key("referrals", ack="on_time"), counted)),
        (
            _l("Median time to acknowledge"),
            r.hours(r.ack[None].median_seconds, r.key("referrals", ack="acknowledged")),
        ),
    ]


def time_block(
    r: Release, chart_id: str, title: str, cube: str, dim: str, labels: dict[Any, Any]
) -> dict[str, Any]:
    """Contacts by channel or kind for each month of the period, with the totals."""
    months = r.period.months
    keys = _children(r, cube, dim)
    total = str(_l("Total"))
    table = Table(
        title,
        [str(_l("Period")), *[label(labels, k) for k in keys], total],
        [
            [
                period_label(m + "-01", "month"),
                *[r.shown(r.key(cube, m, **{dim: k})) for k in keys],
                r.shown(r.key(cube, m)),
            ]
            for m in months
        ],
        [total, *[r.shown(r.key(cube, **{dim: k})) for k in keys], r.shown(r.key(cube))],
    )
    chart = charts.stacked_columns(
        chart_id,
        title,
        str(_l("%(total)s in total over %(n)d periods.", total=r.shown(r.key(cube)), n=len(months))),
        months,
        [period_label(m + "-01", "month") for m in months],
        [(k, label(labels, k)) for k in keys],
        lambda m, k: r.drawn(r.key(cube, m, **{dim: k})),
        width=HALF,
    )
    return {"chart": chart, "table": table}


def _rows(r: Release, cube: str, dim: str, keys: list[str]) -> list[tuple[str, Key]]:
    return [(k, r.key(cube, **{dim: k})) for k in keys]


def count_table(
    r: Release,
    rows: list[tuple[str, Key]],
    total: Key,
    caption: str,
    column: str,
    name: Any,
    number: str | None = None,
) -> Table:
    return Table(
        caption,
        [column, number or str(_l("Number")), str(_l("Share"))],
        [[name(k), r.shown(cell), r.share(cell, total)] for k, cell in rows],
        [
            str(_l("Total")),
            r.shown(total),
            "100 %" if not r.hidden(total) and r.value(total) else disclosure.NOT_SHOWN,
        ],
    )


def bar_block(
    r: Release,
    chart_id: str,
    title: str,
    column: str,
    rows: list[tuple[str, Key]],
    total: Key,
    name: Any,
    *,
    width: int = HALF,
) -> dict[str, Any]:
    bars = []
    for k, cell in rows:
        share = r.share(cell, total)
        text = f"{r.shown(cell)} ({share})" if share != disclosure.NOT_SHOWN else r.shown(cell)
        bars.append(charts.Bar(name(k), r.drawn(cell), text, charts.series_class(0 if k else 7)))
    desc = str(_l("%(total)s in total, in %(n)d groups.", total=r.shown(total), n=len(rows)))
    return {
        "chart": charts.bars(chart_id, title, desc, bars, width=width),
        "table": count_table(r, rows, total, title, column, name),
    }


def _map(r: Release, title: str) -> tilemap.TileMap:
    """The tile map, each tile the release's cell (Lima's the cell of Lima with Lima Metropolitana)."""
    tiles = {k: r.key("cases", region=k) for k in _children(r, "cases", "region") if k}
    shown_rows = [("15" if k == LIMA_TILE else k, r.drawn(cell)) for k, cell in tiles.items()]
    result = tilemap.build(
        shown_rows,
        title,
        str(
            _l(
                "Map of Peru's departments, each a square placed roughly where it lies, "
                "shaded by the number of cases."
            )
        ),
        suppress_below=disclosure.SMALL,
    )
    for tile in result.tiles:
        cell = tiles.get(LIMA_TILE if tile.ubigeo == "15" and LIMA_TILE in tiles else tile.ubigeo)
        if cell is not None and r.hidden(cell):
            tile.shown, tile.css, tile.count = r.shown(cell), "qs", 0
    return result


def cases(r: Release, labels: Labels) -> dict[str, Any]:
    map_title = str(_l("Cases by region"))
    regions = [k for k in _children(r, "cases", "region") if k != LIMA_TILE]
    lima = _children(r, "cases", "region", LIMA_TILE)
    regions = sorted([*regions, *lima], key=lambda k: (k == "", k))
    reasons = _children(r, "cases", "close", "closed")
    return {
        "forms": bar_block(
            r,
            "ch-forms",
            str(_l("Cases by form of exploitation")),
            str(_l("Form of exploitation")),
            _rows(r, "forms", "form", _children(r, "forms", "form")),
            r.key("cases"),  # shares of the cases (a case can have several forms)
            labels.form,
        ),
        "forms_note": _l(
            "A case can involve more than one form: the bars can add up to more than the cases."
        ),
        "map": _map(r, map_title),
        "regions": count_table(
            r,
            _rows(r, "cases", "region", regions),
            r.key("cases"),
            map_title,
            str(_l("Region")),
            labels.region,
            number=str(_l("Cases")),
        ),
        "close_reasons": count_table(
            r,
            [(k, r.key("cases", close=k)) for k in reasons],
            r.key("cases", close="closed"),
            str(_l("Closed cases by reason")),
            str(_l("Reason")),
            lambda key: label(CLOSE_REASON_LABELS, key),
        ),
    }


def _country(labels: Labels, code: str) -> str:
    return str(_l("Other countries")) if code == OTHER_COUNTRY else labels.country(code)


def victims(r: Release, labels: Labels) -> dict[str, Any]:
    total = r.key("victims")
    bands = [b for k in _children(r, "victims", "band") for b in (_children(r, "victims", "band", k) or [k])]
    return {
        "gender": bar_block(
            r,
            "ch-gender",
            str(_l("Victims by sex / gender")),
            str(_l("Sex / gender")),
            _rows(r, "victims", "gender", _children(r, "victims", "gender")),
            total,
            lambda key: label(GENDER_LABELS, key),
            width=THIRD,
        ),
        "age": bar_block(
            r,
            "ch-age",
            str(_l("Victims by age")),
            str(_l("Age")),
            _rows(r, "victims", "band", bands),
            total,
            lambda key: key if key else str(NOT_RECORDED),
            width=THIRD,
        ),
        "nationality": bar_block(
            r,
            "ch-nationality",
            str(_l("Victims by nationality")),
            str(_l("Nationality")),
            _rows(r, "victims", "nationality", _children(r, "victims", "nationality")),
            total,
            lambda code: _country(labels, code),
            width=THIRD,
        ),
    }


def quality_cells(r: Release, period: str, partner: str = ALL) -> list[str]:
    """Sent, then the shares of the working group's figures, each of two published counts."""

    def cell(**values: str) -> Key:
        return r.key("referrals", period, partner=partner, **values)

    counted = cell()
    return [
        r.shown(counted),
        r.share(cell(ack="on_time"), counted),
        r.share(cell(ack="missed"), counted),
        r.share(cell(decision="accepted"), counted),
        r.share(cell(decision="declined"), counted),
        r.share(cell(outcome="reported"), counted),
        r.share(cell(outcome="implemented"), counted),
        r.share(cell(outcome="successful"), counted),
    ]


def partners(r: Release) -> list[str]:
    return _children(r, "referrals", "partner")


def referral_section(r: Release, labels: Labels) -> dict[str, Any]:
    period = r.period.key
    header = quality_header()
    del header[3]  # "Overdue now" is not published
    quality = Table(
        str(_l("Referral quality by partner")),
        [str(_l("Partner")), *header],
        [[labels.partner(int(p)), *quality_cells(r, period, p)] for p in partners(r)],
        [str(_l("All partners")), *quality_cells(r, period)],
    )
    ack_title = str(_l("Time to acknowledge, by partner"))
    bars, rows = [], []
    for p in [*partners(r), ALL]:
        basis = r.key("referrals", partner=p, ack="acknowledged")
        times = r.ack.get(None if p == ALL else int(p))
        median = r.hours(times.median_seconds if times else None, basis)
        p90 = r.hours(times.p90_seconds if times else None, basis)
        name = str(_l("All partners")) if p == ALL else labels.partner(int(p))
        rows.append(
            [
                name,
                r.shown(basis),
                median,
                p90,
                r.share(r.key("referrals", partner=p, ack="missed"), r.key("referrals", partner=p)),
            ]
        )
        if p != ALL and median != disclosure.NOT_SHOWN and times and times.median_seconds is not None:
            bars.append(
                charts.Bar(
                    name,
                    times.median_seconds / 3600,
                    str(_l("%(median)s (p90 %(p90)s)", median=median, p90=p90)),
                    "s0",
                    marker=(times.p90_seconds or 0) / 3600 if p90 != disclosure.NOT_SHOWN else None,
                    marker_label=p90,
                )
            )
    ack_chart = charts.bars(
        "ch-ack",
        ack_title,
        str(ACK_DESC),
        bars,
        width=HALF,
        right=130,
    )
    ack_table = Table(
        ack_title,
        [
            str(_l("Partner")),
            str(_l("Acknowledged")),
            str(_l("Median")),
            str(_l("90th percentile")),
            str(_l("Late or overdue")),
        ],
        rows[:-1],
        rows[-1],
    )
    months = r.period.months
    month_labels = [period_label(m + "-01", "month") for m in months]
    series = [
        (str(_l("Acknowledged on time")), {"ack": "on_time"}),
        (str(_l("Accepted")), {"decision": "accepted"}),
        (str(_l("Outcome reported")), {"outcome": "reported"}),
        (str(_l("Successful")), {"outcome": "successful"}),
    ]
    lines = charts.lines(
        "ch-quality",
        str(_l("Referral quality over time")),
        str(_l("Share of the referrals sent each month, in percent.")),
        months,
        month_labels,
        [
            (name, [r.percent(r.key("referrals", m, **values), r.key("referrals", m)) for m in months])
            for name, values in series
        ],
        width=HALF,
    )
    quality_time = Table(
        str(_l("Referral quality over time")),
        [str(_l("Month")), *header],
        [[lab, *quality_cells(r, m)] for lab, m in zip(month_labels, months, strict=True)],
    )
    outcome_leaves = list(OUTCOME_NAMES)
    return {
        "partners_status": None,
        "ack": {"chart": ack_chart, "table": ack_table},
        "quality_table": quality,
        "quality_time": {"chart": lines, "table": quality_time},
        "outcomes": bar_block(
            r,
            "ch-outcomes",
            str(_l("Referral outcomes")),
            str(_l("Outcome")),
            _rows(r, "referrals", "outcome", outcome_leaves),
            r.key("referrals", outcome="reported"),
            lambda key: label(OUTCOME_NAMES, key),
        ),
    }


def build_published_page(r: Release, labels: Labels) -> dict[str, Any]:
    return {
        "key_figures": key_figures(r),
        "contacts_channel": time_block(
            r, "ch-channel", str(_l("Contacts by channel")), "contacts", "channel", CHANNEL_LABELS
        ),
        "contacts_kind": time_block(
            r, "ch-kind", str(_l("Contacts by kind")), "contacts", "kind", CALL_KIND_LABELS
        ),
        **cases(r, labels),
        **victims(r, labels),
        **referral_section(r, labels),
    }
