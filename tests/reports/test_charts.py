"""Chart geometry and the tile map of Peru (no map file: one square per department)."""

from __future__ import annotations

import pytest

from hotline.reports import charts, disclosure, tilemap


@pytest.mark.parametrize(
    ("value", "top", "step"),
    [(0, 1.0, 0.25), (3, 3, 1), (7, 8, 2), (9, 10, 5), (98_920, 100_000, 25_000), (1_374, 1_500, 500)],
)
def test_nice_max(value, top, step):
    assert charts.nice_max(value) == (top, step)


def test_stacked_columns_stack_to_the_total():
    counts = {("p1", "a"): 3, ("p1", "b"): 1, ("p2", "a"): 2}
    chart = charts.stacked_columns(
        "c",
        "T",
        "D",
        ["p1", "p2"],
        ["P1", "P2"],
        [("a", "A"), ("b", "B")],
        lambda p, k: counts.get((p, k), 0),
        width=400,
    )
    assert len(chart.rects) == 3
    p1 = [r for r in chart.rects if r.title.startswith("P1")]
    top, bottom = min(r.y for r in p1), max(r.y + r.h for r in p1)
    full = next(r for r in chart.lines if r.css == "axis").y1  # the zero line
    assert bottom == pytest.approx(full)
    assert (bottom - top) == pytest.approx(2 * sum(r.h for r in chart.rects if r.title.startswith("P2")))
    assert chart.legend == [("s0", "A"), ("s1", "B")]
    assert not chart.empty


def test_bars_keep_the_values_inside_the_chart():
    rows = [charts.Bar("A long label " * 20, 10, "10 (50 %)"), charts.Bar("B", 0, "<3")]
    chart = charts.bars("b", "T", "D", rows, width=360)
    assert len(chart.rects) == 1  # a suppressed or zero value draws nothing
    assert all(len(t.text) <= 50 for t in chart.texts)  # labels clipped to the width
    widest = max(r.x + r.w for r in chart.rects)
    assert widest + 6 + 7.5 * len("10 (50 %)") <= 360


def test_lines_break_where_data_is_missing():
    chart = charts.lines(
        "l", "T", "D", ["1", "2", "3", "4"], ["a", "b", "c", "d"], [("S", [10, None, 30, 40])]
    )
    assert len(chart.polylines) == 1 and len(chart.dots) == 3


def test_tiles_are_placed_once_each():
    positions = [(c, r) for c, r, _a, _n in tilemap.TILES.values()]
    assert len(positions) == len(set(positions)) == 25
    assert "1501" not in tilemap.TILES and "15" in tilemap.TILES


def test_tile_map_merges_lima_and_shades_by_count():
    m = tilemap.build([("15", 3), ("1501", 7), ("21", 1), ("", 4), ("08", 0)], "T", "D")
    tiles = {t.ubigeo: t for t in m.tiles}
    assert tiles["15"].count == 10 and tiles["15"].css == "q5"
    assert tiles["21"].css != "q0" and tiles["08"].css == "q0" and tiles["08"].shown == "0"
    assert m.breaks[0] == ("q0", "0")


def test_tile_map_for_publication():
    m = tilemap.build([("15", 30), ("21", 2)], "T", "D", suppress_below=disclosure.SMALL)
    tiles = {t.ubigeo: t for t in m.tiles}
    assert tiles["21"].shown == "<3" and tiles["21"].css == "qs"
    assert tiles["08"].shown == "<3" and tiles["08"].css == "qs"  # zero looks the same as 1 or 2
    assert tiles["15"].shown == "30"
    assert m.breaks[0] == ("qs", "<3")


def test_tile_map_marks_departments_outside_the_filter():
    m = tilemap.build([("1501", 4)], "T", "D", selected="1501")
    tiles = {t.ubigeo: t for t in m.tiles}
    assert tiles["15"].count == 4 and tiles["15"].shown == "4"
    assert tiles["21"].css == "qn" and tiles["21"].shown == ""


def test_class_breaks():
    assert tilemap.class_breaks([0, 0]) == []
    assert tilemap.class_breaks([1, 3]) == [1, 2, 3]
    assert tilemap.class_breaks([1, 100]) == [20, 40, 60, 80, 100]


def test_disclosure():
    assert [disclosure.count(n, publish=True) for n in (0, 1, 2, 3)] == ["<3", "<3", "<3", "3"]
    assert disclosure.count(2, publish=False) == "2"
    assert disclosure.share(2, 10, publish=True) == "—" and disclosure.share(5, 10, publish=True) == "50 %"
    assert disclosure.share(1, 0, publish=False) == "—"
    assert (
        disclosure.hours(7200, 2, publish=True) == "—" and disclosure.hours(7200, 3, publish=True) == "2.0 h"
    )
