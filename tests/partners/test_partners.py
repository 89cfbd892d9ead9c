from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.auth.models import Role
from hotline.partners.models import Partner
from hotline.partners.services import seed_partners
from tests.helpers import audit_count, count_queries, last_audit


def _form(**overrides: object) -> dict:
    data = {
        "code": "GORE-PUNO-RED",
        "name_es": "Red regional de Puno",
        "name_en": "Puno regional network",
        "kind": "local_gov",
        "role": "Regional network",
        "is_active": "y",
        "handles_minors": "y",
        "office_hours": "Lun-Vie 8:00-16:00",
        "phone": "+51951000111",
        "email": "Red@Puno.gob.pe",
        "regions": ["21"],
        "exploitation_forms": ["SEXUAL", "LABOUR"],
    }
    data.update(overrides)
    return data


def test_admin_creates_and_edits_a_partner(client, login, db):
    admin = login("admin")
    response = client.post_form("/admin/partners/new", _form())
    assert response.status_code == 302
    partner = db.scalar(select(Partner).where(Partner.code == "GORE-PUNO-RED"))
    assert [r.ubigeo for r in partner.regions] == ["21"]
    assert sorted(f.code for f in partner.exploitation_forms) == ["LABOUR", "SEXUAL"]
    assert partner.handles_minors and not partner.is_24_7 and partner.email == "red@puno.gob.pe"
    assert audit_count("partner.create", actor_id=admin.id) == 1

    client.post_form(f"/admin/partners/{partner.id}", _form(regions=[], is_24_7="y"))
    db.refresh(partner)
    assert partner.is_national and partner.is_24_7
    summary = last_audit("partner.update").summary
    assert "regions" in summary and "is_24_7" in summary


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phone": "951 000 111"}, "+5114181818"),
        ({"code": "bad code!"}, "error"),
        ({"code": "MP-FISTRAP"}, "error"),
        ({"kind": "secret_service"}, "error"),
        ({"regions": ["99"]}, "error"),
        ({"name_es": ""}, "error"),
    ],
)
def test_invalid_partner_form_keeps_input(client, login, db, overrides, message):
    login("admin")
    response = client.post_form("/admin/partners/new", _form(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert 'value="Lun-Vie 8:00-16:00"' in html
    assert db.scalar(select(Partner).where(Partner.name_en == "Puno regional network")) is None


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_partner_pages_by_role(client, login, role):
    login(role)
    listing = client.get("/admin/partners/")
    assert listing.status_code == (200 if role in ("admin", "coordinator") else 403)
    assert client.get("/admin/partners/new").status_code == (200 if role == "admin" else 403)


def test_partner_list_query_count_is_bounded(client, login):
    login("coordinator")
    with count_queries() as statements:
        assert client.get("/admin/partners/").status_code == 200
    assert len(statements) <= 8, statements


def test_seed_never_overwrites_an_admin_edit(db):
    partner = db.scalar(select(Partner).where(Partner.code == "MIMP"))
    partner.name_en = "Edited by an admin"
    partner.is_24_7 = True
    db.flush()
    assert seed_partners() == 0
    db.refresh(partner)
    assert partner.name_en == "Edited by an admin" and partner.is_24_7


def test_seeded_populations(db):
    rree = db.scalar(select(Partner).where(Partner.code == "RREE"))
    upe = db.scalar(select(Partner).where(Partner.code == "MIMP-UPE"))
    assert rree.handles_abroad and upe.handles_minors and upe.is_24_7
