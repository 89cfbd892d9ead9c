from __future__ import annotations

from sqlalchemy import func, select

from hotline.partners.models import Partner
from hotline.partners.services import seed_partners
from hotline.reference.models import ExploitationForm, Province, Region
from hotline.reference.services import seed_reference


def test_seed_loaded_the_reference_data(db):
    assert db.scalar(select(func.count()).select_from(Region)) == 26
    assert db.scalar(select(func.count()).select_from(Province)) == 196
    assert db.scalar(select(func.count()).select_from(ExploitationForm)) == 9
    assert db.scalar(select(func.count()).select_from(Partner)) == 28
    assert db.get(Region, "17").name == "Madre de Dios"


def test_seed_is_idempotent(db):
    assert seed_reference() == {"regions": 0, "provinces": 0, "exploitation_forms": 0}
    assert seed_partners() == 0


def test_seed_repairs_a_changed_row(db):
    db.get(Region, "17").name = "Changed"
    db.flush()
    assert seed_reference()["regions"] == 1
    assert db.get(Region, "17").name == "Madre de Dios"


def test_seed_cli(app, db):
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0
    assert "regions 0 changed" in result.output
