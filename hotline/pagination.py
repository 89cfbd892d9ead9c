"""Paging without COUNT(*): on tables with millions of rows (calls, audit events) counting every
matching row costs more than the page itself. One extra row tells whether a next page exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select

from hotline.extensions import db

T = TypeVar("T")
MAX_PAGE = 10_000  # deeper offsets are refused: narrow the filters instead


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    has_next: bool
    total: None = None  # unknown on purpose

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def page_number(raw: str | None) -> int:
    """The page a query string asks for, as a number the pager accepts (1 .. MAX_PAGE)."""
    text = (raw or "").strip()
    if not text.isdigit() or len(text) > 6:
        return 1 if not text.isdigit() else MAX_PAGE
    return min(max(int(text), 1), MAX_PAGE)


def paginate(query: Select[Any], *, page: int, per_page: int) -> Page[Any]:
    page = min(max(page, 1), MAX_PAGE)
    rows = list(db.session.scalars(query.limit(per_page + 1).offset((page - 1) * per_page)).unique())
    return Page(items=rows[:per_page], page=page, per_page=per_page, has_next=len(rows) > per_page)
