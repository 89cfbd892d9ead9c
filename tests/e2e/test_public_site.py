"""The public site as a visitor uses it: read in either language, send a tip, leave quickly."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

NEUTRAL = "https://www.google.com/"


def test_home_in_spanish_then_english(page):
    page.goto(page.base_url + "/")
    assert page.get_attribute("html", "lang") == "es"
    assert "1818" in page.inner_text("body")
    page.click("header >> text=English")
    assert page.get_attribute("html", "lang") == "en"
    page.click("text=Migration in figures")
    assert "2,038,107" in page.inner_text("main") or "2 038 107" in page.inner_text("main")


def test_a_tip_sent_from_the_browser_gets_a_reference_and_no_echo(page):
    page.goto(page.base_url + "/report")
    page.fill("#what_happened", "Ofrecen trabajo en una mina y retienen documentos. Marca-única-123")
    page.select_option("#region", "17")
    page.click("button[type=submit]")
    text = page.inner_text("main")
    assert "WEB-" in text
    assert "Marca-única-123" not in page.content()


def test_a_tip_with_errors_keeps_what_was_typed(page):
    page.goto(page.base_url + "/report")
    page.fill("#contact", "mi correo es secreto@example.org")
    page.click("button[type=submit]")
    assert page.input_value("#contact") == "mi correo es secreto@example.org"
    assert page.locator(".error").count() >= 1


def test_quick_exit_replaces_the_page(page):
    page.route(NEUTRAL + "**", lambda route: route.fulfill(status=200, body="<title>clima</title>neutral"))
    page.goto(page.base_url + "/")
    page.goto(page.base_url + "/reconocer-la-trata")
    length = page.evaluate("history.length")
    page.click("[data-quick-exit]")
    page.wait_for_url(NEUTRAL + "**")
    # location.replace: the exit did not add an entry, so Back cannot return to the page left.
    assert page.evaluate("history.length") == length
    page.go_back()
    assert not page.url.endswith("/reconocer-la-trata")


def test_escape_twice_leaves(page):
    page.route(NEUTRAL + "**", lambda route: route.fulfill(status=200, body="neutral"))
    page.goto(page.base_url + "/que-se-hace")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(NEUTRAL + "**")
