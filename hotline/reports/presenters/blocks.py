"""The dashboard's building blocks: each chart comes with a data table that carries the same numbers.

`publish=True` is the version for publication: every count below 3 is written "<3" and drawn as
nothing (see `disclosure`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from hotline.reports import charts, disclosure
from hotline.reports.dashboard import TimeSeries
from hotline.reports.presenters.names import label

HALF, THIRD = 560, 360  # natural widths of the charts (px), so their text prints at its real size

Namer = Callable[[Any], str]


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]
    footer: list[str] | None = None


def period_label(key: str, period: str) -> str:
    """'mar 2026' for a month, '2 mar' for a day or a week ('YYYY-MM-DD' keys)."""
    day = date.fromisoformat(key)
    if period == "month":
        return format_date(day, "MMM y")
    return format_date(day, "d MMM")


def time_block(
    chart_id: str, title: str, series: TimeSeries, labels: dict[Any, Any], period: str, publish: bool
) -> dict[str, Any]:
    """Stacked columns by period, and the table by period and key with totals."""
    c = disclosure.count
    total = str(_l("Total"))
    table = Table(
        title,
        [str(_l("Period")), *[label(labels, k) for k in series.keys], total],
        [
            [
                period_label(p, period),
                *[c(series.value(p, k), publish=publish) for k in series.keys],
                c(series.period_total(p), publish=publish),
            ]
            for p in series.periods
        ],
        [
            total,
            *[c(series.key_total(k), publish=publish) for k in series.keys],
            c(series.total, publish=publish),
        ],
    )
    desc = str(
        _l(
            "%(total)s in total over %(n)d periods.",
            total=disclosure.count(series.total, publish=publish),
            n=len(series.periods),
        )
    )
    chart = charts.stacked_columns(
        chart_id,
        title,
        desc,
        series.periods,
        [period_label(p, period) for p in series.periods],
        [(k, label(labels, k)) for k in series.keys],
        lambda p, k: disclosure.drawn(series.value(p, k), publish=publish),
        width=HALF,
    )
    return {"chart": chart, "table": table}


def count_bars(rows: list[tuple[str, int]], name: Namer, publish: bool) -> list[charts.Bar]:
    total = sum(n for _, n in rows) or 1
    bars = []
    for key, n in rows:
        shown = disclosure.count(n, publish=publish)
        share = disclosure.share(n, total, publish=publish)
        text = f"{shown} ({share})" if share != disclosure.NOT_SHOWN else shown
        bars.append(
            charts.Bar(
                name(key), disclosure.drawn(n, publish=publish), text, charts.series_class(0 if key else 7)
            )
        )
    return bars


def count_table(
    rows: list[tuple[str, int]],
    caption: str,
    column: str,
    name: Namer,
    publish: bool,
    *,
    number: str | None = None,
) -> Table:
    """Key, count and share, with the total (`number` heads the counts: "Number" by default)."""
    total = sum(n for _, n in rows)
    body = [
        [name(key), disclosure.count(n, publish=publish), disclosure.share(n, total, publish=publish)]
        for key, n in rows
    ]
    return Table(
        caption,
        [column, number or str(_l("Number")), str(_l("Share"))],
        body,
        [
            str(_l("Total")),
            disclosure.count(total, publish=publish),
            "100 %" if total else disclosure.NOT_SHOWN,
        ],
    )


def bar_block(
    chart_id: str,
    title: str,
    column: str,
    rows: list[tuple[str, int]],
    name: Namer,
    publish: bool,
    *,
    width: int = HALF,
) -> dict[str, Any]:
    """Horizontal bars, largest first, and the table of counts and shares."""
    total = sum(n for _, n in rows)
    desc = str(
        _l(
            "%(total)s in total, in %(n)d groups.",
            total=disclosure.count(total, publish=publish),
            n=len(rows),
        )
    )
    return {
        "chart": charts.bars(chart_id, title, desc, count_bars(rows, name, publish), width=width),
        "table": count_table(rows, title, column, name, publish),
    }
