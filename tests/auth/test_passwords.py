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
        ("x7" + "kP" * 31, True),  # 64
        ("Zy" * 64 + "k", False),  # 129
        ("llama 🦙 montaña andina", True),  # emoji and spaces
        ("password1234", False),  # common
        ("Qwertyuiop123", False),  # common with a suffix
        ("aaaaaaaaaaaaaaa", False),  # one character repeated
        ("contraseña2026!", False),  # Spanish common word with a suffix
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
