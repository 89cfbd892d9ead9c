"""The release sheet: what a release holds and how it was generalised, stored with the release as
plain numbers (JSON), shown on its page in the reader's language and written, in Spanish and English
side by side, as the second sheet of the XLSX. The files themselves are made once and stored."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from hotline.reports.exports.anonymise import HEADER
from hotline.reports.exports.writers import cell
from hotline.reports.releases import hierarchy
from hotline.reports.releases.build import QI_NAMES, Built
from hotline.reports.releases.periods import Period

DATA_SHEET = "htcds_ctdc"
INFO_SHEET = "ficha_sheet"
LANGUAGES = ("es", "en")


def sheet_data(period: Period, sequence: int, built: Built, earlier: Sequence[str]) -> dict[str, Any]:
    """The numbers of the sheet, as stored in the release row (JSON)."""
    return {
        "period": period.name,
        "kind": period.kind,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "sequence": sequence,
        "earlier": list(earlier),
        "k": built.k,
        "victims": len(built.rows),
        "groups": built.groups,
        "smallest_group": built.smallest_group,
        "minors": built.minors,
        "minors_recorded": built.minors_recorded,
        "adults": built.adults,
        "age_unknown": built.age_unknown,
        "qi_values": built.qi_values,
        "suppressed_values": built.suppressed_values,
        "generalised_values": built.generalised_values,
        "quasi_identifiers": {name: built.stats[name].as_dict() for name in QI_NAMES},
        "levels": {name: list(levels) for name, levels in hierarchy.LEVELS.items()},
    }


def share(part: int, whole: int) -> str:
    return f"{(part / whole if whole else 0.0):.1%}"


def _fraction(part: int, whole: int) -> str:
    return f"{part} / {whole} ({share(part, whole)})"


def lines(data: dict[str, Any], made_at: datetime) -> list[tuple[str, str]]:
    """(label, value) lines of the sheet in the current language."""
    kind = _("calendar year") if data["kind"] == "year" else _("calendar quarter")
    if data["sequence"] == 1:
        what = _("Release of the period")
    else:
        what = _(
            "Late records no. %(n)d: victims of the period entered after the earlier releases (%(earlier)s)",
            n=data["sequence"] - 1,
            earlier=", ".join(data["earlier"]),
        )
    out = [
        (_("Period"), f"{data['period']} ({kind}, {data['start']} – {data['end']})"),
        (_("Release"), what),
        (_("Made at (UTC)"), made_at.isoformat(timespec="seconds")),
        (_("k (smallest group)"), str(data["k"])),
        (_("Victims (rows)"), str(data["victims"])),
        (
            _("Groups of identical quasi-identifiers"),
            f"{data['groups']} ({_('smallest')}: {data['smallest_group']})",
        ),
        (_("Minors in the file / recorded"), f"{data['minors']} / {data['minors_recorded']}"),
        (_("Adults in the file"), str(data["adults"])),
        (_("Age not recorded"), str(data["age_unknown"])),
        (
            _("Quasi-identifier values suppressed (*)"),
            _fraction(data["suppressed_values"], data["qi_values"]),
        ),
        (
            _("Quasi-identifier values generalised"),
            _fraction(data["generalised_values"], data["qi_values"]),
        ),
    ]
    for name, stats in data["quasi_identifiers"].items():
        values = ", ".join(f"{value}: {n}" for value, n in stats["values"].items())
        out.append(
            (
                name,
                _(
                    "exact %(exact)d, generalised %(generalised)d, suppressed %(suppressed)d",
                    exact=stats["exact"],
                    generalised=stats["generalised"],
                    suppressed=stats["suppressed"],
                )
                + (f" ({values})" if values else ""),
            )
        )
        out.append((_("%(name)s: levels", name=name), " → ".join([*reversed(data["levels"][name]), "*"])))
    out += [
        (
            _("Method"),
            _(
                "Mondrian partitioning over generalisation hierarchies; the age is split first into minors, "
                "adults and not recorded, and never generalised across them."
            ),
        ),
        (
            _("Rule between releases"),
            _(
                "Each victim is published in at most one release. Records entered after a period's release "
                "go into a late-records release of that period once there are at least k of them; a "
                "release is never made again."
            ),
        ),
        (
            _("Not in the file"),
            _(
                "Names, numbers, documents, addresses, places, free text, dates more precise than the year, "
                "provinces and references."
            ),
        ),
    ]
    return out


def bilingual(data: dict[str, Any], made_at: datetime) -> list[tuple[str, str, str, str]]:
    """The sheet in Spanish and English, line by line: (es label, es value, en label, en value)."""
    versions = []
    for language in LANGUAGES:
        with force_locale(language):
            versions.append(lines(data, made_at))
    return [(es[0], es[1], en[0], en[1]) for es, en in zip(*versions, strict=True)]


# --- files --------------------------------------------------------------------------------------


def csv_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM (which Excel needs to read accents), CRLF, cells made spreadsheet-safe."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell(h) for h in HEADER])
    writer.writerows([cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: Sequence[Sequence[Any]], info: Sequence[Sequence[str]], made_at: datetime) -> bytes:
    """The data sheet, then the release sheet (Spanish and English)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    stamp = made_at.replace(tzinfo=None, microsecond=0)
    workbook.properties.created = workbook.properties.modified = stamp
    workbook.properties.creator = "Hotline"
    bold, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="0B4F8A")

    def heading(sheet: Any, names: Sequence[str]) -> None:
        cells = []
        for name in names:
            c = WriteOnlyCell(sheet, value=cell(name))
            c.font, c.fill = bold, fill
            cells.append(c)
        sheet.append(cells)

    data = workbook.create_sheet(title=DATA_SHEET)
    data.freeze_panes = "A2"
    for index, name in enumerate(HEADER, start=1):
        data.column_dimensions[get_column_letter(index)].width = max(12, min(len(name) + 4, 40))
    heading(data, HEADER)
    for row in rows:
        data.append([cell(v) for v in row])
    sheet = workbook.create_sheet(title=INFO_SHEET)
    for index, width in enumerate((40, 60, 40, 60), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    heading(sheet, ("Ficha", "Valor", "Sheet", "Value"))
    for line in info:
        sheet.append([cell(v) for v in line])
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()
