"""A person signs in with the keyboard, sees their role's navigation and signs out."""

from __future__ import annotations

import pyotp
import pytest

pytestmark = pytest.mark.browser


def test_keyboard_sign_in_and_out(page):
    page.goto(page.base_url + "/login")
    assert page.get_attribute("html", "lang") == "es"
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.fill("#email", "admin@demo.pe")
    page.fill("#password", "llave-maestra-1818")
    page.keyboard.press("Enter")
    # An administrator sets up two-step verification at the first sign-in, before any other page.
    page.wait_for_url("**/account/2fa/setup**")
    secret = page.inner_text("code.secret")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    page.wait_for_selector("ol.recovery-codes")
    assert page.locator("ol.recovery-codes li").count() == 10
    page.click("a.button.primary")
    page.wait_for_url("**/app")
    nav = page.inner_text("nav.main-nav")
    assert "Usuarios" in nav and "Registro de auditoría" in nav
    page.click("text=Cerrar sesión")
    page.wait_for_url("**/login")
    assert "Ha cerrado sesión." in page.inner_text("main")


def test_wrong_password_keeps_the_email(page):
    page.goto(page.base_url + "/login")
    page.fill("#email", "operadora@demo.pe")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert page.input_value("#email") == "operadora@demo.pe"
    assert page.input_value("#password") == ""
    assert "no son correctos" in page.inner_text(".flashes")


def test_language_switch(page):
    page.goto(page.base_url + "/login")
    page.click("text=English")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("h1") == "Sign in"
    page.goto(page.base_url + "/login")  # remembered
    assert page.get_attribute("html", "lang") == "en"
