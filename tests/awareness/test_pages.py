"""Every public page in both languages: status, lang, facts, hreflang, weight, no third parties."""

from __future__ import annotations

from html import unescape

import pytest

from tests.awareness.helpers import PAGES, PUBLIC_PATHS, count_queries, parse

NBSP = "\u00a0"
PAGE_BUDGET = 100 * 1024
QUICK_EXIT = "https://www.google.com/search?q=clima"

KEY_FACTS = {
    ("home", "es"): ["1818", 'href="tel:1818"', "105", "gratis", "24 horas"],
    ("home", "en"): ["1818", 'href="tel:1818"', "105", "free", "24 hours"],
    ("recognise", "es"): ["Explotación sexual", "Mendicidad", "Trabajos o servicios forzados", "129-A"],
    ("recognise", "en"): ["Sexual exploitation", "Begging", "Forced labour or services", "129-A"],
    ("scams", "es"): ["ofertas de ayuda para migrar", "Ministerio de Trabajo"],
    ("scams", "en"): ["offers of migration assistance", "Ministry of Labour"],
    ("migration", "es"): [
        f"2{NBSP}038{NBSP}107",
        "50,4",
        "49,6",
        f"704{NBSP}746",
        "2378 millones",
        "1,8",
        "Bolivia",
        "Chile",
        "Estados Unidos",
        "Ecuador",
        "España",
        f"19,7{NBSP}%",
        f"19,4{NBSP}%",
        f"18,4{NBSP}%",
        f"14,6{NBSP}%",
        f"8,6{NBSP}%",
    ],
    ("migration", "en"): [
        "2,038,107",
        "50.4%",
        "49.6%",
        "704,746",
        "USD 2.378 billion",
        "1.8%",
        "Bolivia",
        "Chile",
        "United States",
        "Ecuador",
        "Spain",
        "19.7%",
        "19.4%",
        "18.4%",
        "14.6%",
        "8.6%",
    ],
    ("iom", "es"): [
        "1966",
        "1951",
        "595",
        "1291",
        f"464{NBSP}000",
        f"130{NBSP}000",
        "15 de agosto de 2007",
        "Miguel Seminario 320",
        "221 76 98",
    ],
    ("iom", "en"): [
        "1966",
        "1951",
        "595",
        "1,291",
        "464,000",
        "130,000",
        "15 August 2007",
        "Miguel Seminario 320",
        "221 76 98",
    ],
    ("action", "es"): ["2006", "2004", "Ley 28950", "enero de 2007", "2008", "Madre de Dios", "2010"],
    ("action", "en"): ["2006", "2004", "Law 28950", "January 2007", "2008", "Madre de Dios", "2010"],
}
SOURCED = {"scams", "migration", "iom", "action"}
SOURCE_DATES = {"es": ["16 de marzo de 2011", "agosto de 2014"], "en": ["16 March 2011", "August 2014"]}


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("slug", list(PAGES))
def test_page_in_both_languages(client, app, slug, lang):
    response = client.get(f"{PAGES[slug]}?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = parse(html)
    assert page.lang == lang
    text = unescape(html)
    for fact in KEY_FACTS[(slug, lang)]:
        assert fact in text, f"{slug}/{lang}: {fact!r} missing"
    for date_text in SOURCE_DATES[lang]:
        assert (date_text in text) == (slug in SOURCED), f"{slug}/{lang}: source date {date_text!r}"

    from hotline.awareness.services import get_page

    content = get_page(slug, lang, hotline_number="1818")
    assert page.title.startswith(content.title)
    assert page.find("meta", name="description")[0]["content"] == content.description
    base = app.config["HOTLINE_PUBLIC_URL"]
    path = PAGES[slug]
    assert page.find("link", rel="canonical")[0]["href"] == f"{base}{path}?lang={lang}"
    alternates = {tag["hreflang"]: tag["href"] for tag in page.find("link", rel="alternate")}
    assert alternates == {
        "es": f"{base}{path}?lang=es",
        "en": f"{base}{path}?lang=en",
        "x-default": f"{base}{path}",
    }


def test_destinations_chart_is_inline_svg_with_a_table(client):
    html = client.get("/migracion-en-cifras?lang=en").get_data(as_text=True)
    page = parse(html)
    svg = page.find("svg")
    assert len(svg) == 1 and svg[0]["role"] == "img"
    assert len(page.find("rect", class_="bar")) == 5
    widths = [float(rect["width"] or 0) for rect in page.find("rect", class_="bar")]
    assert widths == sorted(widths, reverse=True)
    assert widths[0] / widths[-1] == pytest.approx(19.7 / 8.6, rel=0.01)
    assert len(page.find("th", scope="row")) == 5


def test_spanish_is_the_default(client):
    response = client.get("/")
    assert parse(response.get_data(as_text=True)).lang == "es"


def test_accept_language_picks_english(client):
    response = client.get("/migracion-en-cifras", headers={"Accept-Language": "en-GB,en;q=0.9,es;q=0.5"})
    html = response.get_data(as_text=True)
    assert parse(html).lang == "en"
    assert "2,038,107" in html


def test_language_switch_is_remembered(client):
    response = client.get("/?lang=en")
    assert "lang=en" in response.headers.get("Set-Cookie", "")
    assert parse(client.get("/que-se-hace").get_data(as_text=True)).lang == "en"
    html = client.get("/que-se-hace?lang=es").get_data(as_text=True)
    assert parse(html).lang == "es"
    assert parse(client.get("/").get_data(as_text=True)).lang == "es"


def test_switch_links_point_to_the_same_page(client):
    page = parse(client.get("/oim-en-el-peru?lang=es").get_data(as_text=True))
    switch = [a["href"] for a in page.find("a", hreflang="en")]
    assert switch == ["/oim-en-el-peru?lang=en"]


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_quick_exit_and_menu_on_every_public_page(client, path, lang):
    page = parse(client.get(f"{path}?lang={lang}").get_data(as_text=True))
    exits = [a for _tag, a in page.tags if "data-quick-exit" in a]
    assert len(exits) == 1
    assert exits[0]["href"] == QUICK_EXIT and exits[0]["rel"] == "noreferrer"
    assert page.find("script", src="/static/js/quick-exit.js")
    menu_links = {a["href"] for a in page.find("a") if (a.get("href") or "").endswith(f"lang={lang}")}
    for target in PUBLIC_PATHS:
        assert f"{target}?lang={lang}" in menu_links


RESOURCE_ATTRS = {
    "script": "src", "img": "src", "iframe": "src", "source": "src", "video": "src", "audio": "src",
    "embed": "src", "object": "data", "image": "href", "use": "href", "form": "action",
}  # fmt: skip


def _is_same_origin(url: str) -> bool:
    return (url.startswith("/") and not url.startswith("//")) or url.startswith("data:")


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_no_external_host_is_referenced(client, app, path, lang):
    html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
    page = parse(html)
    base = app.config["HOTLINE_PUBLIC_URL"]
    for tag, attrs in page.tags:
        assert "style" not in attrs, f"inline style on <{tag}> (blocked by the CSP)"
        assert not any(name.startswith("on") for name in attrs), f"inline handler on <{tag}>"
        if tag == "script":
            assert attrs.get("src"), "inline script (blocked by the CSP)"
        if tag in RESOURCE_ATTRS and attrs.get(RESOURCE_ATTRS[tag]):
            assert _is_same_origin(attrs[RESOURCE_ATTRS[tag]] or ""), (tag, attrs)
        if "srcset" in attrs:
            raise AssertionError("srcset is not used on the public site")
        if tag == "link":
            href = attrs.get("href") or ""
            if attrs.get("rel") in ("canonical", "alternate"):
                assert href.startswith(base + "/"), href
            else:
                assert _is_same_origin(href), (tag, attrs)
        if tag == "a":
            href = attrs.get("href") or ""
            if "data-quick-exit" in attrs:
                continue
            assert _is_same_origin(href) or href.startswith(("tel:", "mailto:", "#")), href
    assert "@import" not in html and "url(http" not in html


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_page_weight_under_100_kb(client, path, lang):
    """HTML plus every stylesheet, script and icon it loads, uncompressed (transfer is smaller)."""
    response = client.get(f"{path}?lang={lang}")
    page = parse(response.get_data(as_text=True))
    total = len(response.data)
    assets = [a["src"] for a in page.find("script") if a.get("src")]
    assets += [a["href"] for a in page.find("link") if a.get("rel") in ("stylesheet", "icon")]
    assets += [a["src"] for a in page.find("img") if a.get("src")]
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200, url
        total += len(asset.data)
        asset.close()
    assert total < PAGE_BUDGET, f"{path}?lang={lang} weighs {total} bytes"


def test_static_assets_do_not_reach_out():
    from pathlib import Path

    static = Path(__file__).resolve().parents[2] / "hotline" / "static"
    for name in ("css/public.css", "js/quick-exit.js"):
        text = (static / name).read_text("utf-8")
        assert "http://" not in text and "@import" not in text and "url(" not in text, name
    script = (static / "js/quick-exit.js").read_text("utf-8")
    assert "location.replace" in script and "Escape" in script


def test_public_pages_need_no_query_per_request(client):
    client.get("/?lang=es")  # warm the content cache
    with count_queries() as statements:
        assert client.get("/migracion-en-cifras?lang=es").status_code == 200
    assert statements == []


def test_security_headers_on_public_pages(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["Cache-Control"] == "no-store"
