"""Data and helpers for the release tests: victims in chosen quarters, managers, row mappings."""

from __future__ import annotations

import hashlib
import random
from datetime import date
from types import SimpleNamespace
from typing import Any

from hotline.cases.models import Person
from hotline.reports.releases import build as building
from hotline.reports.releases import sheet as sheets
from tests.reports.helpers import add_case, add_victim

TODAY = date(2026, 4, 15)
MANAGER = SimpleNamespace(id=None, role="manager", partner_id=None)
GENDERS = [None, "feminine", "feminine", "masculine", "transgender_feminine"]
AGES = [None, 5, 12, 15, 16, 19, 22, 25, 28, 33, 41, 60]
NATIONALITIES = [[], ["PE"], ["PE"], ["VE"], ["CO", "PE"], ["BO"], ["US"]]
REGIONS = [None, "15", "1501", "21", "08", "04", "25", "13"]
COUNTRIES = [None, None, None, "CL", "US"]


def add_victims(day: str, n: int, *, seed: int = 0, **fixed: Any) -> list[Person]:
    """`n` victims, each on its own case opened on `day` (UTC 'YYYY-MM-DD HH:MM'), random attributes."""
    rng = random.Random(seed)
    people = []
    for _ in range(n):
        values = {
            "gender": rng.choice(GENDERS),
            "age": rng.choice(AGES),
            "nationalities": rng.choice(NATIONALITIES),
        }
        region = fixed.pop("region", None) if "region" in fixed else rng.choice(REGIONS)
        case = add_case(day, region=region, exploitation_country=rng.choice(COUNTRIES))
        people.append(add_victim(case, **{**values, **fixed}))
    return people


class Trace:
    """The hidden, test-only mapping of each release's rows to the persons they are: for every
    release built, in the order they were built, its CSV's SHA-256 and the person id of each row (in
    file order). Production code keeps it nowhere."""

    def __init__(self, monkeypatch: Any) -> None:
        self.builds: list[tuple[str, list[int]]] = []
        real = building.build

        def build(victims: Any, k: int) -> building.Built:
            built = real(victims, k)
            digest = hashlib.sha256(sheets.csv_bytes(built.rows)).hexdigest()
            self.builds.append((digest, built.person_ids))
            return built

        monkeypatch.setattr(building, "build", build)

    def persons(self, csv_data: bytes, index: int = -1) -> list[int]:
        """The persons of the `index`-th release built (the last by default), checked by its bytes."""
        digest, persons = self.builds[index]
        assert digest == hashlib.sha256(csv_data).hexdigest()
        return persons
