"""Password policy and hashing (security plan items 16-17)."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from hotline.auth import passwords, services
from hotline.auth.models import Role
from hotline.errors import HotlineError
from tests.factories import DEFAULT_PASSWORD


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Kq7#zr9!Lm2", False),  # 11 characters
        ("kestrel-moss-7", True),  # 14
        ("Tq9!zr7#Lm2@", True),  # exactly 12
        ("x7" + "kP" * 31, False),  # 64, but a repeat (zxcvbn)
        ("x7" + "".join(chr(0x41 + (i * 7) % 26) + str(i % 10) for i in range(31)), True),  # 64
        ("Zy" * 64 + "k", False),  # 129
        ("llama 🦙 montaña andina", True),  # emoji and spaces
        ("password1234", False),  # common
        ("Qwertyuiop123", False),  # common with a suffix
        ("aaaaaaaaaaaaaaa", False),  # one character repeated
        ("contraseña2026!", False),  # Spanish common word with a suffix
        ("1234567890123", False),  # a sequence (zxcvbn)
        ("qazwsxedcrfvtgb", False),  # a keyboard pattern (zxcvbn)
        ("correct horse battery staple", True),
        ("ruta-segura-cusco-2026", True),
    ],
)
def test_policy(password, ok):
    assert (passwords.password_problems(password) == []) is ok


def test_no_truncation():
    long = "k7#" * 40  # 120 characters
    hashed = passwords.hash_password(long)
    assert passwords.verify_password(hashed, long)
    assert not passwords.verify_password(hashed, long[:-1])


def test_password_containing_email_is_refused():
    assert passwords.password_problems("rosa.quispe-secure-99", email="rosa.quispe@x.pe")


@pytest.mark.parametrize("password", ["rosaquispe2026", "Rosa Quispe 1990", "QuispeRosa!2026"])
def test_password_built_on_the_name_is_refused(password):
    problems = [str(p) for p in passwords.password_problems(password, email="rq@x.pe", name="Rosa Quispe")]
    assert "Do not use your name or your e-mail address in the password." in problems
    # Without the name, zxcvbn alone lets some of these through: the name is what makes them weak.
    assert passwords.password_problems("rosa likes purple mountain llamas", name="Rosa Quispe") == []


def test_zxcvbn_feedback_is_ours_and_says_why():
    problems = [str(p) for p in passwords.password_problems("1234567890123")]
    assert problems[0] == "This password is too easy to guess."
    assert "Sequences such as abcd or 123456 are easy to guess." in problems
    assert not any("commonly used" in p for p in problems)  # zxcvbn's own (English) text


def test_very_long_passwords_are_scored_on_their_start():
    """zxcvbn refuses more than 72 characters; the policy scores the first 72 and allows up to 128."""
    assert passwords.password_problems("ruta-segura-cusco-2026 " * 5) == []  # 115 characters


def test_zxcvbn_refusal_in_spanish_and_english(client, login):
    login("operator")
    data = {"current_password": DEFAULT_PASSWORD, "new_password": "1234567890123", "confirm": "1234567890123"}
    spanish = client.post_form("/account/password", data).get_data(as_text=True)
    assert "Esta contraseña es demasiado fácil de adivinar." in spanish
    assert "Las secuencias como abcd o 123456 son fáciles de adivinar." in spanish
    assert "easy to guess" not in spanish and "commonly used" not in spanish
    english = client.post_form("/account/password?lang=en", data, page="/account/password?lang=en")
    html = english.get_data(as_text=True)
    assert "This password is too easy to guess." in html
    assert "Sequences such as abcd or 123456 are easy to guess." in html


def test_new_hashes_are_argon2id(db):
    user = services.create_user(email="new@hotline.test", role=Role.OPERATOR, password=DEFAULT_PASSWORD)
    assert user.password_hash.startswith("$argon2id$")


def test_legacy_werkzeug_hash_logs_in_and_is_rehashed(db):
    user = services.create_user(email="legacy@hotline.test", role=Role.OPERATOR, password=DEFAULT_PASSWORD)
    user.password_hash = generate_password_hash(DEFAULT_PASSWORD, method="pbkdf2:sha256")
    result = services.authenticate("legacy@hotline.test", DEFAULT_PASSWORD)
    assert result.user is user
    assert user.password_hash.startswith("$argon2id$")


def test_create_user_rejects_weak_password(db):
    with pytest.raises(HotlineError):
        services.create_user(email="weak@hotline.test", role=Role.OPERATOR, password="short")
    with pytest.raises(HotlineError) as refused:
        services.create_user(email="weak@hotline.test", role=Role.OPERATOR, password="1234567890123")
    assert str(passwords.strength_problems("1234567890123")[0]) in str(refused.value)
