"""The intake draft in a real browser (system Chromium through Playwright), without any network.

The pages are rendered by the test client and served to Chromium through Playwright's request
routing under a made-up origin, so the real intake.js runs against the real HTML.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ORIGIN = "http://hotline.test"
JS = Path(__file__).resolve().parents[2] / "hotline" / "static" / "js" / "intake.js"

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_draft_survives_a_reload_and_a_lost_connection_and_is_forgotten_once_saved(
    client, login, browser_page
):
    login("operator")
    form_html = client.get("/calls/new").get_data(as_text=True)
    saved_html = client.get("/calls/?draft=new").get_data(as_text=True)
    assert 'data-clear-draft="new"' in saved_html
    state = {"offline": False}

    def handle(route):  # type: ignore[no-untyped-def]
        url = route.request.url
        if url.endswith("/static/js/intake.js"):
            return route.fulfill(body=JS.read_text("utf-8"), content_type="text/javascript")
        if route.request.method == "POST" or state["offline"]:
            return route.abort("internetdisconnected")
        if "/calls/?draft=new" in url:
            return route.fulfill(body=saved_html, content_type="text/html")
        if url.endswith("/calls/new"):
            return route.fulfill(body=form_html, content_type="text/html")
        return route.fulfill(status=404, body="")

    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("**/*", handle)
    page.goto(f"{ORIGIN}/calls/new")

    # Only the kind is shown at first; a trafficking report opens the case sections.
    assert page.is_hidden("#case-section") and page.is_hidden("#new-case-section")
    page.check("#kind-0")
    assert page.is_visible("#case-section") and page.is_visible("#new-case-section")
    page.fill("#summary", "Una madre llama: su hija fue llevada a un bar ñ 🙏")
    page.fill("#victim_name", "Yessenia")
    page.select_option("#region", "17")
    page.wait_for_timeout(600)  # the draft is written 400 ms after the last keystroke

    page.reload()
    assert page.input_value("#summary") == "Una madre llama: su hija fue llevada a un bar ñ 🙏"
    assert page.input_value("#victim_name") == "Yessenia"
    assert page.is_checked("#kind-0") and page.input_value("#region") == "17"
    assert page.is_visible("#draft-notice") and page.is_visible("#new-case-section")

    # The connection drops while saving: the browser shows its error page; the draft is still there.
    page.fill("#victim_name", "Yessenia Q.")
    page.wait_for_timeout(600)
    try:
        page.click("#intake-form .actions button[type=submit]")
        page.wait_for_timeout(300)
    except Exception:  # noqa: BLE001, S110  (a navigation error is what we expect here)
        pass
    page.goto(f"{ORIGIN}/calls/new")
    assert page.input_value("#victim_name") == "Yessenia Q."

    # Provinces follow the region; a silent call hides the case sections again.
    visible = page.eval_on_selector_all(
        "#province option", "os => os.filter(o => !o.hidden && o.value).map(o => o.value)"
    )
    assert visible and all(code.startswith("17") for code in visible)
    page.check("#kind-4")
    assert page.is_hidden("#case-section") and page.is_hidden("#new-case-section")

    # Once saved, the page the server redirects to forgets the draft.
    page.goto(f"{ORIGIN}/calls/?draft=new")
    page.goto(f"{ORIGIN}/calls/new")
    assert page.input_value("#summary") == "" and page.is_hidden("#draft-notice")
    assert errors == []


def test_the_discard_button_clears_the_draft(client, login, browser_page):
    login("operator")
    form_html = client.get("/calls/new").get_data(as_text=True)
    page = browser_page
    page.route(
        "**/*",
        lambda route: (
            route.fulfill(body=JS.read_text("utf-8"), content_type="text/javascript")
            if route.request.url.endswith(".js")
            else route.fulfill(body=form_html, content_type="text/html")
        ),
    )
    page.goto(f"{ORIGIN}/calls/new")
    page.check("#kind-2")
    page.fill("#summary", "borrador")
    page.wait_for_timeout(600)
    page.reload()
    assert page.input_value("#summary") == "borrador"
    page.click("#draft-discard")
    assert page.input_value("#summary") == "" and not page.is_checked("#kind-2")
    page.reload()
    assert page.input_value("#summary") == ""
