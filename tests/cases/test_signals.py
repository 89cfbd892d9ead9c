"""The signals cases sends to the floors above it (which connect in create_app, never the reverse)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from hotline import register_signals
from hotline.cases import services
from hotline.cases.models import CaseHistory, CaseNote, CaseStatus
from hotline.cases.signals import case_closing
from hotline.errors import HotlineError
from hotline.referrals.services import check_case_closable
from tests.cases.helpers import make_case
from tests.helpers import audit_count


@pytest.fixture
def coordinator(make_user):  # type: ignore[no-untyped-def]
    return make_user(role="coordinator")


def _close(case: Any, actor: Any, **kw: Any) -> None:
    services.close_case(
        case, expected_version=case.version_id, reason="duplicate", note="Igual al TP-1", actor=actor, **kw
    )


def test_closing_a_case_sends_case_closing(db, coordinator):
    case = make_case(coordinator)
    received: list[tuple[Any, dict[str, Any]]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        assert sender.status == CaseStatus.NEW  # sent before anything changes
        received.append((sender, kwargs))

    with case_closing.connected_to(receiver):
        _close(case, coordinator, open_referrals_reason="Atendido por el CEM")
    assert received == [(case, {"override_reason": "Atendido por el CEM", "actor": coordinator})]
    assert case.status == CaseStatus.CLOSED


def test_a_receiver_that_refuses_stops_the_close_and_nothing_is_written(db, coordinator):
    case = make_case(coordinator)
    version = case.version_id
    refusal = HotlineError("No se puede cerrar")

    def refuse(sender: Any, **kwargs: Any) -> None:
        raise refusal

    with case_closing.connected_to(refuse), pytest.raises(HotlineError) as raised:
        _close(case, coordinator)
    assert raised.value is refusal  # the receiver's own exception, unchanged
    db.flush()
    assert (case.status, case.close_reason, case.closed_at, case.version_id) == ("new", None, None, version)
    history = select(func.count()).where(CaseHistory.case_id == case.id, CaseHistory.action == "closed")
    assert db.scalar(history) == 0
    assert db.scalar(select(func.count()).where(CaseNote.case_id == case.id)) == 0
    assert audit_count("case.status", object_id=str(case.id)) == 0
    assert audit_count("case.note", object_id=str(case.id)) == 0


def test_create_app_connects_the_referrals_check_once(app):
    register_signals(app)  # as every further app built in the same process does
    register_signals(app)
    receivers = list(case_closing.receivers_for(object()))
    assert receivers.count(check_case_closable) == 1
