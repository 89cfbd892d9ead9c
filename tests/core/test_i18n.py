"""Spanish first, English second: catalogues complete, language switch remembered."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import select

from hotline.auth.models import User
from hotline.cli import EXTRACT_ARGS

ROOT = Path(__file__).resolve().parents[2]
ES_PO = ROOT / "hotline/translations/es/LC_MESSAGES/messages.po"


def _extract(tmp_path: Path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", *EXTRACT_ARGS, "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return {_key(m) for m in read_po(f) if m.id}


def _key(message) -> tuple[str | None, str]:  # type: ignore[no-untyped-def]
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


def test_every_string_has_a_spanish_translation(tmp_path):
    extracted = _extract(tmp_path)
    with ES_PO.open("rb") as f:
        catalogue = read_po(f)
    translated = {
        _key(m)
        for m in catalogue
        if m.id and m.string and (isinstance(m.string, str) or all(m.string)) and not m.fuzzy
    }
    missing = sorted(extracted - translated)
    assert missing == [], f"{len(missing)} strings lack a Spanish translation: {missing[:10]}"


def test_spanish_is_the_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Iniciar sesión" in html


def test_accept_language_english(client):
    html = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sign in" in html


def test_switch_is_remembered_in_a_cookie(client):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert client.get_cookie("lang").value == "en"
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    assert 'href="/login?lang=es"' in client.get("/login").get_data(as_text=True)


def test_switch_is_remembered_per_user(client, login, db):
    user = login("operator")
    client.get("/app?lang=en")
    assert db.scalar(select(User.locale).where(User.id == user.id)) == "en"
    client.delete_cookie("lang")
    assert '<html lang="en">' in client.get("/app").get_data(as_text=True)


def test_unknown_language_falls_back_to_spanish(client):
    assert '<html lang="es">' in client.get("/login?lang=xx").get_data(as_text=True)


def test_field_errors_are_translated(client, login):
    login("admin")
    es = client.post_form("/admin/users/new", {"email": "", "name": "", "role": "operator", "password": ""})
    assert "Este campo es obligatorio." in es.get_data(as_text=True)
    en = client.post_form(
        "/admin/users/new?lang=en",
        {"email": "", "name": "", "role": "operator", "password": ""},
        page="/admin/users/new",
    )
    assert "This field is required." in en.get_data(as_text=True)
