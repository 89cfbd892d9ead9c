"""Figures for publication: one consistently suppressed set of linked tables per calendar year.

`periods` names the periods that may be published (a calendar month, quarter or year), `suppress`
is the complementary-suppression engine (a greedy pattern checked by a linear-programming audit) and
`release` counts everything the dashboard's publication version and the working-group report show,
for every started month, quarter and the year, and suppresses it in one pass. Both reports, their
print views and the XLSX read their numbers from the same `Release`, so a figure is identical (and
hidden identically) wherever it is published. See README.md, "Published figures".
"""

from hotline.reports.publication.periods import (
    PUBLISHED_KINDS,
    PublishedPeriod,
    check_published,
    from_dates,
    period_of,
    requested,
)
from hotline.reports.publication.release import Release, build_release

__all__ = [
    "PUBLISHED_KINDS",
    "PublishedPeriod",
    "Release",
    "build_release",
    "check_published",
    "from_dates",
    "period_of",
    "requested",
]
