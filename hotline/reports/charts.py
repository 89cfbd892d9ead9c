"""Chart geometry for server-rendered SVG (templates/_macros/charts.html draws it).

Nothing here fetches anything: the browser gets inline SVG and a data table for each chart, so the
dashboard works without JavaScript, a CDN or any third-party request, and prints as it looks.
Series colours are CSS classes (`s0`...`s7`, map classes `q0`...`q5`) defined in reports.css with
a colour-blind-safe palette; the data tables carry the same numbers for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

WIDTH = 720
SERIES_CLASSES = 8


def nice_max(value: float, ticks: int = 4) -> tuple[float, float]:
    """A round axis maximum >= value and its tick step (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0, 1.0 / ticks
    raw = value / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor == 2.5 and power < 10:
            continue  # no ticks at 2.5 people
        step = factor * power
        if step * ticks >= value:
            break
    if step < 1 and value >= 1 and float(value).is_integer():
        step = 1.0
    top = step * math.ceil(value / step)
    return top, step


def fmt_number(value: float) -> str:
    return f"{int(value):,}".replace(",", " ") if float(value).is_integer() else f"{value:.1f}"


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    css: str
    title: str


@dataclass
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    css: str = ""


@dataclass
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str = ""


@dataclass
class Chart:
    """Everything the SVG macro draws: a title, a description and shapes in a viewBox."""

    chart_id: str
    title: str
    desc: str
    height: float
    width: float = WIDTH
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    polylines: list[tuple[str, str]] = field(default_factory=list)  # (points, css)
    dots: list[tuple[float, float, str, str]] = field(default_factory=list)  # (x, y, css, title)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css, label)
    legend_lines: bool = False  # the legend shows line styles (line charts)

    @property
    def empty(self) -> bool:
        return not (self.rects or self.polylines or self.dots)


def series_class(index: int) -> str:
    return f"s{index % SERIES_CLASSES}"


def stacked_columns(
    chart_id: str,
    title: str,
    desc: str,
    periods: Sequence[str],
    period_labels: Sequence[str],
    series: Sequence[tuple[str, str]],  # (key, label)
    value: Callable[[str, str], int],
    *,
    width: float = WIDTH,
) -> Chart:
    """Columns over time, each stacked by series (e.g. contacts by channel per month)."""
    height, left, right, top, bottom = 260.0, 52.0, 8.0, 12.0, 34.0
    chart = Chart(chart_id, title, desc, height, width)
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(value(p, key) for key, _ in series) for p in periods]
    top_value, step = nice_max(max(totals, default=0))
    _y_axis(chart, left, top, plot_w, plot_h, top_value, step)
    band = plot_w / max(len(periods), 1)
    bar = max(min(band * 0.78, 48.0), 1.0)
    for i, period in enumerate(periods):
        x = left + i * band + (band - bar) / 2
        base = top + plot_h
        for index, (key, label) in enumerate(series):
            count = value(period, key)
            if count <= 0:
                continue
            h = plot_h * count / top_value
            base -= h
            chart.rects.append(
                Rect(x, base, bar, h, series_class(index), f"{period_labels[i]} · {label}: {count}")
            )
    _x_labels(chart, period_labels, left, band, plot_w, height - bottom + 16)
    chart.legend = _legend(label for _key, label in series)
    return chart


def _x_labels(chart: Chart, labels: Sequence[str], left: float, band: float, plot_w: float, y: float) -> None:
    """Every n-th period label under its column, so that they do not overlap (about 7 px a character)."""
    longest = max((len(label) for label in labels), default=1)
    fits = max(1, int(plot_w // (7 * longest + 10)))
    every = max(1, math.ceil(len(labels) / fits))
    for i in range(0, len(labels), every):
        chart.texts.append(Text(left + i * band + band / 2, y, labels[i], "middle"))


def _legend(labels: Iterable[str]) -> list[tuple[str, str]]:
    return [(series_class(i), label) for i, label in enumerate(labels)]


def _y_axis(
    chart: Chart, left: float, top: float, plot_w: float, plot_h: float, top_value: float, step: float
) -> None:
    ticks = round(top_value / step)
    for t in range(ticks + 1):
        v = step * t
        y = top + plot_h - plot_h * v / top_value
        chart.lines.append(Line(left, y, left + plot_w, y, "grid" if t else "axis"))
        chart.texts.append(Text(left - 6, y + 4, fmt_number(v), "end", "tick"))


@dataclass
class Bar:
    label: str
    value: float
    shown: str  # what is written (a count, "<3", hours...)
    css: str = "s0"
    marker: float | None = None  # e.g. the 90th percentile beside a median
    marker_label: str = ""


def bars(
    chart_id: str, title: str, desc: str, rows: Sequence[Bar], *, width: float = WIDTH, right: float = 0.0
) -> Chart:
    """Horizontal bars, the label written above each bar (long Spanish labels fit)."""
    row_h, top, left = 36.0, 6.0, 4.0
    # Room on the right for the longest value written after a bar (about 7.5 px a character).
    right = max(right, 7.5 * max((len(r.shown) for r in rows), default=4) + 12)
    height = top + row_h * max(len(rows), 1) + 4
    chart = Chart(chart_id, title, desc, height, width)
    plot_w = width - left - right
    clip = _chars(width)
    peak = max([max(r.value, r.marker or 0) for r in rows] + [0])
    top_value = peak if peak > 0 else 1
    for i, row in enumerate(rows):
        y = top + i * row_h
        chart.texts.append(Text(left, y + 12, _clip(row.label, clip), "start", "label"))
        w = plot_w * row.value / top_value if row.value > 0 else 0
        if w > 0:
            chart.rects.append(Rect(left, y + 17, max(w, 1.5), 13, row.css, f"{row.label}: {row.shown}"))
        end = left + w
        if row.marker is not None:
            mx = left + plot_w * row.marker / top_value
            chart.lines.append(Line(mx, y + 15, mx, y + 32, "marker"))
            end = max(end, mx)
        chart.texts.append(Text(end + 6, y + 28, row.shown, "start", "value"))
    return chart


def stacked_bars(
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, Sequence[int]]],  # (label, counts by series)
    series: Sequence[str],  # series labels
    shown: Callable[[int], str] = str,
    *,
    width: float = WIDTH,
) -> Chart:
    """Horizontal bars stacked by series (e.g. referrals per partner by status)."""
    row_h, top, left, right = 36.0, 6.0, 4.0, 60.0
    height = top + row_h * max(len(rows), 1) + 4
    chart = Chart(chart_id, title, desc, height, width)
    plot_w = width - left - right
    clip = _chars(width)
    peak = max([sum(counts) for _, counts in rows] + [0]) or 1
    for i, (label, counts) in enumerate(rows):
        y = top + i * row_h
        chart.texts.append(Text(left, y + 12, _clip(label, clip), "start", "label"))
        x = left
        for index, count in enumerate(counts):
            if count <= 0:
                continue
            w = plot_w * count / peak
            chart.rects.append(
                Rect(x, y + 17, w, 13, series_class(index), f"{label} · {series[index]}: {shown(count)}")
            )
            x += w
        chart.texts.append(Text(x + 6, y + 28, shown(sum(counts)), "start", "value"))
    chart.legend = _legend(series)
    return chart


def lines(
    chart_id: str,
    title: str,
    desc: str,
    periods: Sequence[str],
    period_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],  # (label, values in percent; None = no data)
    *,
    width: float = WIDTH,
) -> Chart:
    """Percentages over time, one line per series (gaps where a month has no data)."""
    height, left, right, top, bottom = 240.0, 52.0, 12.0, 12.0, 34.0
    chart = Chart(chart_id, title, desc, height, width)
    chart.legend_lines = True
    plot_w, plot_h = width - left - right, height - top - bottom
    _y_axis(chart, left, top, plot_w, plot_h, 100.0, 25.0)
    band = plot_w / max(len(periods), 1)
    _x_labels(chart, period_labels, left, band, plot_w, height - bottom + 16)
    for index, (label, values) in enumerate(series):
        css = series_class(index)
        segment: list[str] = []
        for i, value in enumerate(values):
            if value is None:
                if len(segment) > 1:
                    chart.polylines.append((" ".join(segment), f"line {css} d{index}"))
                segment = []
                continue
            x = left + i * band + band / 2
            y = top + plot_h - plot_h * value / 100.0
            segment.append(f"{x:.1f},{y:.1f}")
            chart.dots.append((x, y, css, f"{period_labels[i]} · {label}: {value:.0f} %"))
        if len(segment) > 1:
            chart.polylines.append((" ".join(segment), f"line {css} d{index}"))
    chart.legend = _legend(label for label, _values in series)
    return chart


def _chars(width: float) -> int:
    """How many characters of a 13 px label fit across the chart."""
    return max(20, int((width - 8) / 7.2))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
