"""Spreadsheet-safe cells and the streaming CSV and XLSX writers (constant memory).

Any text a spreadsheet could run as a formula is neutralised, in the exports and in the
working-group workbook alike.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_FLUSH_ROWS = 500
CHUNK = 64 * 1024

# --- formula injection and file names -----------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "|", "%")
# What a spreadsheet skips before it looks for a formula: spaces, tabs, line breaks, a BOM, and
# the other invisible or blank Unicode characters.
_LEADING_BLANKS = re.compile(r"^[\s\ufeff\u200b\u200c\u200d\u2060\u00a0\u3000]+")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: Any) -> Any:
    """Prefix with ' any text a spreadsheet could run as a formula (= + - @ | %, also after blanks),
    and text that starts with a tab or a carriage return."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in "\t\r":
        return "'" + value
    stripped = _LEADING_BLANKS.sub("", value)
    if stripped.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell(value: Any) -> Any:
    """A value ready for a CSV or XLSX cell: None stays empty, booleans become 1/0."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        return neutralise(_ILLEGAL_XML.sub("", value))
    return value


def safe_filename(*parts: str, extension: str) -> str:
    """ASCII letters, digits, dots and dashes only: no path, no quotes, no line breaks."""
    stem = "-".join(p for p in (re.sub(r"[^A-Za-z0-9]+", "-", part).strip("-") for part in parts) if p)
    extension = re.sub(r"[^a-z0-9]", "", extension.lower())
    return f"{stem[:120] or 'export'}.{extension}"


# --- streaming writers --------------------------------------------------------------------------


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text (UTF-8 with a BOM, which Excel needs to read accents), a few hundred rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([cell(h) for h in header])
    pending = 0
    for row in rows:
        writer.writerow([cell(v) for v in row])
        pending += 1
        if pending >= CSV_FLUSH_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


def write_xlsx(target: Any, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A one-sheet workbook in openpyxl's write-only mode (rows go to disk as they are appended)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])
    worksheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = max(12, min(len(name) + 4, 40))
    bold, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="0B4F8A")
    heading = []
    for name in header:
        c = WriteOnlyCell(worksheet, value=cell(name))
        c.font, c.fill = bold, fill
        heading.append(c)
    worksheet.append(heading)
    for row in rows:
        worksheet.append([cell(v) for v in row])
    workbook.save(target)


def xlsx_chunks(sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The workbook built in a temporary file (constant memory), then sent in 64 KiB chunks."""
    with tempfile.TemporaryFile(prefix="hotline-export-") as target:
        write_xlsx(target, sheet, header, rows)
        target.seek(0)
        while chunk := target.read(CHUNK):
            yield chunk
