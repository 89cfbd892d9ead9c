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


def search_cases(client: Any, q: str, **filters: str) -> Any:
    """POST a case search (the text never goes in a URL) and follow its 303 to `/cases/?s=<key>`."""
    response = client.post_form("/cases/search", {"q": q, **filters}, page="/cases/")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return client.get(response.headers["Location"])
