"""factory_boy factories: one per model, flushed (never committed)."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from hotline.auth.models import User
from hotline.auth.passwords import hash_password
from hotline.calls.models import Call
from hotline.crypto import blind_index
from hotline.database import utcnow
from hotline.extensions import db
from hotline.partners.services import get_partner_by_code

DEFAULT_PASSWORD = "correct horse battery staple"
_DEFAULT_HASH = hash_password(DEFAULT_PASSWORD)


class _Session:
    """Resolve db.session at use time: the `db` fixture swaps it for each test."""

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(db.session, name)


class UserFactory(SQLAlchemyModelFactory):
    class Meta:
        model = User
        sqlalchemy_session = _Session()
        sqlalchemy_session_persistence = "flush"

    class Params:
        partner_code = None

    email = factory.Sequence(lambda n: f"user{n}@hotline.test")
    name = factory.Sequence(lambda n: f"User {n}")
    role = "operator"
    password_hash = _DEFAULT_HASH
    is_active = True

    @factory.lazy_attribute
    def partner_id(self) -> int | None:
        if self.role != "partner":
            return None
        return get_partner_by_code(self.partner_code or "MP-FISTRAP").id


# --- calls and cases (issue 3) -------------------------------------------------------------------


class CallFactory(SQLAlchemyModelFactory):
    """A contact waiting for its intake (cases are built through hotline.cases.services)."""

    class Meta:
        model = Call
        sqlalchemy_session = _Session()
        sqlalchemy_session_persistence = "flush"

    channel = "phone"
    status = "ended"
    received_at = factory.LazyFunction(utcnow)
    caller_number = None
    caller_number_index = factory.LazyAttribute(lambda o: blind_index(o.caller_number, phone=True))
