"""The public site's content: one Markdown file per page and language in `content/<lang>/<slug>.md`.

Each file has a small front matter (title, description, nav, optional source). It is rendered with
Markdown, sanitised with nh3 and kept in memory after the first render (the files never change while
the app runs). Jinja never sees the Markdown: the `{{ hotline_number }}` placeholder is replaced here.
The facts and the migration destinations come from files next to the pages.
"""

from __future__ import annotations

import csv
import json
import re
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import markdown
import nh3
from babel.dates import format_date
from markupsafe import Markup, escape

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
LANGUAGES = ("es", "en")
SLUGS = ("home", "recognise", "scams", "migration", "iom", "action")
REQUIRED_META = ("title", "description", "nav")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
# Placeholders that stand alone in a paragraph and are filled by the template (figures).
FIGURES = ("destinations_chart",)

ALLOWED_TAGS = {
    "h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "a", "br", "hr", "blockquote",
    "code", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"https", "http", "mailto", "tel"}


class ContentError(RuntimeError):
    """A content file is missing or malformed (a deployment bug, never user input)."""


@dataclass(frozen=True)
class Page:
    slug: str
    lang: str
    title: str
    description: str
    nav: str
    source: str | None
    # The body as (sanitised HTML, figure to insert after it or None) pairs.
    chunks: tuple[tuple[Markup, str | None], ...]

    @property
    def html(self) -> Markup:
        return Markup("").join(chunk for chunk, _figure in self.chunks)


@dataclass(frozen=True)
class Destination:
    code: str
    name: str
    share: Decimal
    label: str  # the share formatted for the page's language, e.g. "19,7 %"


def parse_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split `---\\nkey: value\\n---\\nbody` into (meta, body)."""
    if not text.startswith("---\n"):
        raise ContentError("content file without front matter")
    head, sep, body = text[4:].partition("\n---\n")
    if not sep:
        raise ContentError("front matter is not closed")
    meta: dict[str, str] = {}
    for line in head.splitlines():
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise ContentError(f"bad front matter line: {line[:40]!r}")
        meta[key.strip()] = value.strip()
    return meta, body


def content_path(slug: str, lang: str) -> Path:
    return CONTENT_DIR / lang / f"{slug}.md"


def read_page_source(slug: str, lang: str) -> tuple[dict[str, str], str]:
    path = content_path(slug, lang)
    if slug not in SLUGS or lang not in LANGUAGES or not path.is_file():
        raise ContentError(f"no content for page {slug!r} in {lang!r}")
    meta, body = parse_front_matter(path.read_text("utf-8"))
    missing = [key for key in REQUIRED_META if not meta.get(key)]
    if missing:
        raise ContentError(f"{lang}/{slug}.md lacks {', '.join(missing)}")
    return meta, body


def _with_lang(lang: str):  # type: ignore[no-untyped-def]
    """Relative links inside the content keep the page's language (e.g. /report -> /report?lang=en)."""

    def rewrite(url: str) -> str | None:
        if not url.startswith("/") or url.startswith("//"):
            return None  # only site-relative paths; anything else relative is dropped
        path, _hash, fragment = url.partition("#")
        joined = f"{path}{'&' if '?' in path else '?'}lang={lang}"
        return joined + (f"#{fragment}" if fragment else "")

    return rewrite


def render_markdown(body: str, lang: str) -> Markup:
    html = markdown.markdown(
        body,
        extensions=["tables"],
        # `align` attributes rather than `style="text-align"`, which the CSP would block.
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        url_relative=_with_lang(lang),
        link_rel="noopener noreferrer",
    )
    # Wide tables scroll inside their own box on small screens instead of widening the page.
    clean = clean.replace("<table>", '<div class="table-wrap"><table>').replace("</table>", "</table></div>")
    return Markup(clean)  # noqa: S704  (sanitised by nh3 just above)


def phone_target(number: str) -> str:
    return re.sub(r"[^\d+]", "", number)


def fill_placeholders(body: str, *, hotline_number: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "hotline_number":
            shown = str(escape(hotline_number))
            return f"[{shown}](tel:{phone_target(hotline_number)})"
        if name in FIGURES:
            return match.group(0)  # filled by the template after rendering
        raise ContentError(f"unknown placeholder {name!r}")

    return PLACEHOLDER_RE.sub(replace, body)


def render_page(slug: str, lang: str, *, hotline_number: str) -> Page:
    meta, body = read_page_source(slug, lang)
    body = fill_placeholders(body, hotline_number=hotline_number)
    chunks: list[tuple[Markup, str | None]] = []
    # Figures sit on a line of their own: split there and render each part separately.
    parts = re.split(r"^\{\{\s*(" + "|".join(FIGURES) + r")\s*\}\}\s*$", body, flags=re.M)
    for index in range(0, len(parts), 2):
        figure = parts[index + 1] if index + 1 < len(parts) else None
        chunks.append((render_markdown(parts[index], lang), figure))
    return Page(
        slug=slug,
        lang=lang,
        title=meta["title"],
        description=meta["description"],
        nav=meta["nav"],
        source=meta.get("source") or None,
        chunks=tuple(chunks),
    )


_pages: dict[tuple[str, str, str], Page] = {}
_pages_lock = threading.Lock()


def get_page(slug: str, lang: str, *, hotline_number: str) -> Page:
    """The rendered page, from memory after its first render (content is static)."""
    key = (slug, lang, hotline_number)
    page = _pages.get(key)
    if page is None:
        with _pages_lock:
            page = _pages.get(key)
            if page is None:
                page = _pages[key] = render_page(slug, lang, hotline_number=hotline_number)
    return page


def list_pages(lang: str, *, hotline_number: str) -> list[Page]:
    return [get_page(slug, lang, hotline_number=hotline_number) for slug in SLUGS]


def clear_page_cache() -> None:
    with _pages_lock:
        _pages.clear()


@cache
def get_facts() -> dict[str, Any]:
    return json.loads((CONTENT_DIR / "facts.json").read_text("utf-8"))


def format_share(value: Decimal, lang: str) -> str:
    number = f"{value:.1f}"
    return f"{number.replace('.', ',')}\u00a0%" if lang == "es" else f"{number}%"


@cache
def list_destinations(lang: str) -> tuple[Destination, ...]:
    text = (CONTENT_DIR / "migration_destinations.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return tuple(
        Destination(
            code=row["code"],
            name=row["name_es"] if lang == "es" else row["name_en"],
            share=Decimal(row["share_percent"]),
            label=format_share(Decimal(row["share_percent"]), lang),
        )
        for row in rows
    )


_DATE_PATTERNS = {
    "es": ("d 'de' MMMM 'de' y", "MMMM 'de' y"),
    "en": ("d MMMM y", "MMMM y"),
}


def source_dates(lang: str) -> dict[str, str]:
    """The source page's own dates, as its readers should see them ("16 March 2011", "August 2014")."""
    facts = get_facts()
    day_pattern, month_pattern = _DATE_PATTERNS.get(lang, _DATE_PATTERNS["en"])
    text_date = date.fromisoformat(facts["main_text_date"])
    year, month = (int(part) for part in facts["figures_date"].split("-"))
    return {
        "text_date": format_date(text_date, day_pattern, locale=lang),
        "figures_date": format_date(date(year, month, 1), month_pattern, locale=lang),
    }
