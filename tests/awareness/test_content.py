"""The Markdown content: both languages complete, rendered safely, cached."""

from __future__ import annotations

import pytest

from hotline.awareness import services
from hotline.awareness.services import CONTENT_DIR, LANGUAGES, SLUGS, ContentError, pages


def _files(lang: str) -> set[str]:
    return {path.stem for path in (CONTENT_DIR / lang).glob("*.md")}


def test_every_page_exists_in_both_languages_and_nothing_else():
    for lang in LANGUAGES:
        assert _files(lang) == set(SLUGS), f"{lang}: pages in one language only or unknown pages"


def test_parity_check_catches_a_page_in_one_language_only(tmp_path, monkeypatch):
    for lang in LANGUAGES:
        (tmp_path / lang).mkdir()
        for slug in SLUGS:
            (tmp_path / lang / f"{slug}.md").write_text("---\ntitle: t\ndescription: d\nnav: n\n---\nx")
    (tmp_path / "en" / "action.md").unlink()
    monkeypatch.setattr(pages, "CONTENT_DIR", tmp_path)
    with pytest.raises(ContentError):
        services.render_page("action", "en", hotline_number="1818")
    assert services.render_page("action", "es", hotline_number="1818").title == "t"


@pytest.mark.parametrize("slug", SLUGS)
def test_front_matter_matches_across_languages(slug):
    metas = {lang: services.read_page_source(slug, lang)[0] for lang in LANGUAGES}
    assert metas["es"].keys() == metas["en"].keys()
    assert metas["es"].get("source") == metas["en"].get("source")
    for meta in metas.values():
        assert 20 <= len(meta["description"]) <= 200
        assert meta["title"] and meta["nav"]


@pytest.mark.parametrize("slug", SLUGS)
def test_structure_matches_across_languages(slug):
    bodies = {lang: services.read_page_source(slug, lang)[1] for lang in LANGUAGES}
    for marker in ("\n## ", "\n### ", "{{ hotline_number }}", "{{ destinations_chart }}", "/report"):
        assert bodies["es"].count(marker) == bodies["en"].count(marker), marker


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("slug", SLUGS)
def test_render_fills_placeholders_and_keeps_language_in_links(app, slug, lang):
    page = services.render_page(slug, lang, hotline_number="1818")
    html = str(page.html)
    assert "{{" not in html and "}}" not in html
    assert "<script" not in html and "style=" not in html
    if "/report" in html:
        assert f'href="/report?lang={lang}"' in html


def test_hotline_number_comes_from_the_argument_as_a_tel_link():
    html = str(services.render_page("home", "en", hotline_number="0800-2-3232").html)
    assert '<a href="tel:080023232" rel="noopener noreferrer">0800-2-3232</a>' in html


def test_markdown_is_sanitised():
    html = str(
        services.render_markdown(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
            "[click](javascript:alert(3)) [ok](https://example.org) <b onclick=x>b</b>\n\n"
            "| a | b |\n| --- | ---: |\n| x | 1 |\n\n[rel](foo/bar) [site](/report#top)",
            "en",
        )
    )
    assert "<script" not in html and "onerror" not in html and "onclick" not in html
    assert "javascript:" not in html and "<img" not in html
    assert 'href="https://example.org"' in html
    assert '<td align="right">1</td>' in html and 'class="table-wrap"' in html
    assert 'href="foo/bar"' not in html  # only site-relative links survive
    assert 'href="/report?lang=en#top"' in html


def test_unknown_placeholder_is_a_content_error():
    with pytest.raises(ContentError):
        services.fill_placeholders("{{ secret_key }}", hotline_number="1818")


def test_bad_front_matter_is_a_content_error():
    with pytest.raises(ContentError):
        services.parse_front_matter("title: no fences")
    with pytest.raises(ContentError):
        services.parse_front_matter("---\ntitle: never closed\n")


def test_pages_are_rendered_once_and_cached(monkeypatch):
    services.clear_page_cache()
    calls = []
    original = services.render_page

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(pages, "render_page", counting)
    first = services.get_page("iom", "es", hotline_number="1818")
    assert services.get_page("iom", "es", hotline_number="1818") is first
    services.get_page("iom", "en", hotline_number="1818")
    assert len(calls) == 2


def test_destinations_come_from_the_csv_and_match_the_facts():
    es = services.list_destinations("es")
    en = services.list_destinations("en")
    assert [d.name for d in es] == ["Bolivia", "Chile", "Estados Unidos", "Ecuador", "España"]
    assert [d.name for d in en] == ["Bolivia", "Chile", "United States", "Ecuador", "Spain"]
    assert [str(d.share) for d in en] == ["19.7", "19.4", "18.4", "14.6", "8.6"]
    assert es[0].label == "19,7\u00a0%" and en[0].label == "19.7%"
    facts = services.get_facts()
    assert facts["emigrants_1990_2009"] == 2038107
    assert facts["emigrants_women_percent"] + facts["emigrants_men_percent"] == 100


def test_source_dates_are_those_of_the_source_page():
    assert services.source_dates("en") == {"text_date": "16 March 2011", "figures_date": "August 2014"}
    assert services.source_dates("es") == {
        "text_date": "16 de marzo de 2011",
        "figures_date": "agosto de 2014",
    }


def test_corrected_dates_are_kept():
    """The source page says 2008 for the Ica earthquake and for Law 28950: the content corrects both."""
    iom = {lang: services.read_page_source("iom", lang)[1] for lang in LANGUAGES}
    assert "15 de agosto de 2007" in iom["es"] and "15 August 2007" in iom["en"]
    action = {lang: services.read_page_source("action", lang)[1] for lang in LANGUAGES}
    assert "enero de 2007" in action["es"] and "007-2008-IN" in action["es"]
    assert "January 2007" in action["en"] and "007-2008-IN" in action["en"]
