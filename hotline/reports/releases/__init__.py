"""Recorded releases of the victims' standard form (HTCDS 2.0 / CTDC), k-anonymised by Mondrian.

`periods` names the release periods, `hierarchy` the generalisation of each quasi-identifier,
`mondrian` the search, `build` the rows of one release, `sheet` its description and files, and
`service` the rules: made once, stored, audited, downloaded again byte for byte.
"""

from hotline.reports.releases.periods import ALLOWED, Period, ReleaseError, parse_period, period_from_dates
from hotline.reports.releases.service import (
    FORMATS,
    Offer,
    download,
    filename,
    get_release,
    list_releases,
    make_release,
    offers,
    period_of,
    sheet_lines,
)

__all__ = [
    "ALLOWED",
    "FORMATS",
    "Offer",
    "Period",
    "ReleaseError",
    "download",
    "filename",
    "get_release",
    "list_releases",
    "make_release",
    "offers",
    "parse_period",
    "period_from_dates",
    "period_of",
    "sheet_lines",
]
