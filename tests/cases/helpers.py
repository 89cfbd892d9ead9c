"""Helpers for the calls and cases tests: build cases and persons through the services."""

from __future__ import annotations

from typing import Any

from hotline.cases import services
from hotline.cases.models import Case, Person


def make_case(actor: Any = None, **facts: Any) -> Case:
    values = {"narrative": "Una joven fue llevada a Madre de Dios con una oferta de trabajo falsa."}
    values.update(facts)
    return services.open_case(facts=services.CaseFacts(**values), actor=actor)


def make_person(case: Case, actor: Any = None, **data: Any) -> Person:
    return services.add_person(case, services.PersonData(**data), actor=actor)
