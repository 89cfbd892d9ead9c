"""One release's rows from the victims as recorded: Mondrian generalisation, then the standard form.

Pure: no database. `build` returns the rows in a fixed order (sorted by their content, never by
anything that points back to a record) and, separately, the person ids in the same order; the ids
are used to record who is in the release, never written into the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hotline.reports.exports.anonymise import htcds_row
from hotline.reports.releases import hierarchy, mondrian

QI_NAMES = tuple(name for name, _path in hierarchy.QUASI_IDENTIFIERS)
AGE = QI_NAMES.index("ageBroad")


@dataclass
class QiStats:
    exact: int = 0
    generalised: int = 0
    suppressed: int = 0
    published: Counter[str] = field(default_factory=Counter)  # generalised values and how often

    def as_dict(self) -> dict[str, Any]:
        return {
            "exact": self.exact,
            "generalised": self.generalised,
            "suppressed": self.suppressed,
            "values": dict(sorted(self.published.items())),
        }


@dataclass
class Built:
    rows: list[list[Any]]
    person_ids: list[int]  # the person of each row: kept out of the file and out of the database
    k: int
    groups: int
    smallest_group: int
    minors: int  # rows published as minors
    minors_recorded: int  # victims recorded as minors
    adults: int
    age_unknown: int
    stats: dict[str, QiStats]

    @property
    def qi_values(self) -> int:
        return len(self.rows) * len(QI_NAMES)

    @property
    def suppressed_values(self) -> int:
        return sum(s.suppressed for s in self.stats.values())

    @property
    def generalised_values(self) -> int:
        return sum(s.generalised for s in self.stats.values())


def build(victims: Sequence[Any], k: int) -> Built:
    """`victims` are rows of `anonymise.victims` (fewer than k: no rows at all)."""
    records = [
        tuple(path(getattr(v, name) or "") for name, path in hierarchy.QUASI_IDENTIFIERS) for v in victims
    ]
    parts = mondrian.partition(records, k, first=AGE)
    stats = {name: QiStats() for name in QI_NAMES}
    out: list[tuple[list[Any], int]] = []
    majorities: Counter[str] = Counter()
    for part in parts:
        nodes = part.nodes(records)
        qi: dict[str, Any] = {
            name: hierarchy.display(node) for name, node in zip(QI_NAMES, nodes, strict=True)
        }
        majority = hierarchy.majority(nodes[AGE])
        for m in part.members:
            victim = victims[m]
            for a, name in enumerate(QI_NAMES):
                depth, path = part.depths[a], records[m][a]
                if nodes[a] == hierarchy.ROOT:
                    stats[name].suppressed += 1
                elif depth < len(path) - 1:
                    stats[name].generalised += 1
                    stats[name].published[qi[name]] += 1
                else:
                    stats[name].exact += 1
            majorities[majority] += 1
            out.append(
                (
                    htcds_row(victim, {**qi, "yearOfRegistration": victim.yearOfRegistration}, majority),
                    victim.person_id,
                )
            )
    out.sort(key=lambda pair: (tuple(str(v) for v in pair[0]), pair[1]))
    recorded = Counter(hierarchy.majority(path[-1]) for path in (r[AGE] for r in records))
    return Built(
        rows=[row for row, _pid in out],
        person_ids=[pid for _row, pid in out],
        k=k,
        groups=len(parts),
        smallest_group=min((len(p.members) for p in parts), default=0),
        minors=majorities["Minor"],
        minors_recorded=recorded["Minor"],
        adults=majorities["Adult"],
        age_unknown=majorities[""],
        stats=stats,
    )
