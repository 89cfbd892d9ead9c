"""A database failure while a referral is sent: nothing is sent or half-written, the summary comes back."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline.notifications.models import OutboxMessage
from hotline.referrals.models import Referral
from tests.helpers import database_fails_on
from tests.referrals.helpers import full_case, partner, victim_of
from tests.referrals.test_views import _form_fields

SUMMARY_TYPED = "Adolescente en un bar de la carretera; necesita protección inmediata & evaluación."


def test_a_database_failure_in_the_middle_of_a_referral_send(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    victim = victim_of(case)
    fistrap = partner("MP-FISTRAP")
    url = f"/referrals/cases/{case.id}/new"
    fields = _form_fields(client.get(url).get_data(as_text=True))
    data = {
        **fields,
        "summary": SUMMARY_TYPED,
        f"p_{fistrap.id}": "y",
        f"k_{fistrap.id}": "law_enforcement",
        f"identities_{fistrap.id}": "y",
        f"victims_{fistrap.id}": str(victim.id),
        "action": "send",
    }
    before = [db.scalar(select(func.count()).select_from(m)) for m in (Referral, OutboxMessage)]
    with database_fails_on(db, "INSERT INTO referral_events") as seen:
        response = client.post(url, data=data)
    assert seen, "the send never wrote its events"
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    # The send form itself comes back, filled with what was typed, to send again.
    assert "necesita protección inmediata &amp; evaluación" in html and "nothing was sent" in html
    assert [db.scalar(select(func.count()).select_from(m)) for m in (Referral, OutboxMessage)] == before
