"""A tile map of Peru: one rounded square per department, placed roughly where it lies.

No map file is shipped or fetched. A tile map shows every department at the same size, so Lima
and Callao are as readable as Loreto; a table beside it gives the exact figures. Lima
Metropolitana (1501) is drawn inside the department of Lima (15), as in the INEI ubigeo.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hotline.reports import disclosure
from hotline.reports.filters import LIMA_DEPARTMENT, LIMA_METROPOLITANA

# ubigeo: (column, row, abbreviation, short name). North at the top, the coast on the left.
TILES: dict[str, tuple[int, int, str, str]] = {
    "24": (0, 0, "TUM", "Tumbes"),
    "16": (3, 0, "LOR", "Loreto"),
    "20": (0, 1, "PIU", "Piura"),
    "01": (1, 1, "AMA", "Amazonas"),
    "14": (0, 2, "LAM", "Lambayeque"),
    "06": (1, 2, "CAJ", "Cajamarca"),
    "22": (2, 2, "SMA", "San Martín"),
    "13": (1, 3, "LAL", "La Libertad"),
    "10": (2, 3, "HUC", "Huánuco"),
    "25": (3, 3, "UCA", "Ucayali"),
    "02": (1, 4, "ANC", "Áncash"),
    "19": (2, 4, "PAS", "Pasco"),
    "07": (0, 5, "CAL", "Callao"),
    "15": (1, 5, "LIM", "Lima"),
    "12": (2, 5, "JUN", "Junín"),
    "17": (4, 5, "MDD", "Madre de Dios"),
    "11": (1, 6, "ICA", "Ica"),
    "09": (2, 6, "HUV", "Huancavelica"),
    "08": (3, 6, "CUS", "Cusco"),
    "05": (2, 7, "AYA", "Ayacucho"),
    "03": (3, 7, "APU", "Apurímac"),
    "21": (4, 7, "PUN", "Puno"),
    "04": (2, 8, "ARE", "Arequipa"),
    "18": (3, 8, "MOQ", "Moquegua"),
    "23": (4, 9, "TAC", "Tacna"),
}
CLASSES = 5  # shades q1..q5; q0 = no cases
TILE, GAP, MARGIN = 64, 6, 4


def department_of(ubigeo: str | None) -> str | None:
    if not ubigeo:
        return None
    return LIMA_DEPARTMENT if ubigeo == LIMA_METROPOLITANA else ubigeo[:2]


@dataclass
class Tile:
    ubigeo: str
    x: int
    y: int
    abbreviation: str
    name: str
    count: int
    shown: str
    css: str


@dataclass
class TileMap:
    tiles: list[Tile]
    width: int
    height: int
    breaks: list[tuple[str, str]]  # (css, "from–to") for the legend
    title: str
    desc: str


def class_breaks(counts: Iterable[int], low: int = 1) -> list[int]:
    """Upper bounds of up to CLASSES equal-width classes from `low` to the highest count."""
    top = max([c for c in counts if c >= low], default=0)
    if top < low:
        return []
    if top - low + 1 <= CLASSES:
        return list(range(low, top + 1))
    step = (top - low + 1) / CLASSES
    return sorted({low - 1 + max(1, round(step * (i + 1))) for i in range(CLASSES)})


def shade(count: int, breaks: list[int]) -> str:
    for index, bound in enumerate(breaks):
        if count <= bound:
            # Fewer classes than shades: keep the darkest shade for the top class.
            return f"q{CLASSES - len(breaks) + index + 1}"
    return f"q{CLASSES}" if breaks else "q0"


def build(
    counts_by_region: Iterable[tuple[str, int]],
    title: str,
    desc: str,
    *,
    suppress_below: int = 0,
    selected: str | None = None,
) -> TileMap:
    """The tiles, shaded by count. With `suppress_below`, smaller counts (zero included) share one
    neutral shade and are written "<3", so neither the number nor the colour tells them apart."""
    by_department: dict[str, int] = {}
    for ubigeo, count in counts_by_region:
        department = department_of(ubigeo)
        if department in TILES:
            by_department[department] = by_department.get(department, 0) + count
    low = max(suppress_below, 1)
    breaks = class_breaks(by_department.values(), low)

    def shown(count: int) -> str:
        return disclosure.SUPPRESSED if count < suppress_below else disclosure.number(count)

    only = department_of(selected)
    tiles = []
    for ubigeo, (col, row, abbreviation, name) in TILES.items():
        count = by_department.get(ubigeo, 0)
        if only and ubigeo != only:
            css = "qn"  # outside the region filter: not counted, so no number
        elif count < suppress_below:
            css = "qs"
        elif count <= 0:
            css = "q0"
        else:
            css = shade(count, breaks)
        tiles.append(
            Tile(
                ubigeo,
                MARGIN + col * (TILE + GAP),
                MARGIN + row * (TILE + GAP),
                abbreviation,
                name,
                count,
                "" if css == "qn" else shown(count),
                css,
            )
        )
    legend = [("qs", disclosure.SUPPRESSED)] if suppress_below else [("q0", "0")]
    for bound in breaks:
        legend.append(
            (shade(bound, breaks), shown(bound) if bound == low else f"{shown(low)}–{shown(bound)}")
        )
        low = bound + 1
    cols = 1 + max(c for c, _r, _a, _n in TILES.values())
    rows = 1 + max(r for _c, r, _a, _n in TILES.values())
    return TileMap(
        tiles,
        2 * MARGIN + cols * TILE + (cols - 1) * GAP,
        2 * MARGIN + rows * TILE + (rows - 1) * GAP,
        legend,
        title,
        desc,
    )
